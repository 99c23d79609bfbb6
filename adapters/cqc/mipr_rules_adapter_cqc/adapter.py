"""The ``cqc`` adapter: CQC public API location records, from files or from the live API."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from mipr_rules.adapters.base import ReadContext
from mipr_rules.errors import InputError
from mipr_rules.loading import parse_json, read_text
from mipr_rules.model import Location
from mipr_rules_adapter_cqc.api_source import ApiSource, is_api_url, parse_api_source
from mipr_rules_adapter_cqc.client import AUTH_STATUSES, CqcApiClient, CqcApiError
from mipr_rules_adapter_cqc.version import __version__

if TYPE_CHECKING:
    from mipr_rules.cqc_api import CqcLocationFacts

KEY_ENV = "MIPR_CQC_API_KEY"
"""Environment variable holding the CQC API subscription key."""

DEFAULT_PER_PAGE = 500
"""Page size of ``/locations`` and ``/changes/location`` reads unless the URL sets ``perPage``."""

Read = tuple[Location, "CqcLocationFacts"]


@attrs.frozen(kw_only=True)
class CqcAdapter:
    """Reads CQC location records (``GET /locations/{id}`` JSON) into canonical ``Location`` objects.

    A source is a ``*.json`` file holding one record or an array of records, a folder of such files, or
    an API URL (see ``mipr_rules_adapter_cqc.api_source``). The subscription key comes from the URL
    (``?key=``), else ``api_key``, else the ``MIPR_CQC_API_KEY`` environment variable.
    """

    name: str = "cqc"
    version: str = __version__
    description: str = "CQC public API location records: JSON files, folders, arrays, or the live API"
    accepts: tuple[str, ...] = (
        "*.json (one CQC location record, or an array of them)",
        "folder of *.json files",
        "https://api.service.cqc.org.uk/public/v1[/locations/ID][?ids=…|?since=…&until=…]",
    )
    informs: tuple[str, ...] = ("locations", "ratings")
    """Record types a CQC record supplies: registration, registered manager and ratings, no care records.
    A readiness run leaves out (and names) the rules whose facts come from other records."""
    unmapped: tuple[str, ...] = ("rating_display",)
    """Model fields CQC's data cannot tell: whether the rating is on show at the premises and website (the
    rules on rating display are left out and named, not run as "never displayed")."""
    api_key: str | None = attrs.field(default=None, repr=False)
    """Subscription key used when the URL gives none (else ``MIPR_CQC_API_KEY``)."""
    retries: int = 3
    """Retries of a 429, a 5xx or a dropped connection."""
    backoff: float = 1.0
    """First wait in seconds between retries when the server sends no ``Retry-After``."""
    max_wait: float = 60.0
    """Longest single wait in seconds."""
    timeout: float = 30.0
    """Socket timeout of each request in seconds."""

    def read(self, source: str, context: ReadContext) -> Iterable[Location]:
        """Yield every location in ``source``; bad records go to ``context.problem``."""
        for location, _facts in self.read_with_facts(source, context):
            yield location

    def read_with_facts(self, source: str, context: ReadContext) -> Iterator[Read]:
        """Like ``read``, with each location's ``CqcLocationFacts`` (what ``Location`` has no room for)."""
        if is_api_url(source):
            yield from self._read_api(parse_api_source(source), context)
            return
        path = Path(source)
        if not path.exists():
            raise InputError(f"{source}: no such file or folder")
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() == ".json")
            if not files:
                raise InputError(f"{source}: folder holds no *.json files")
            for file in files:
                yield from self._read_file(file, context)
        else:
            yield from self._read_file(path, context)

    # --- Files.

    def _read_file(self, path: Path, context: ReadContext) -> Iterator[Read]:
        try:
            data = parse_json(read_text(path), str(path))
        except InputError as exc:
            where, _, why = str(exc).partition(": ")
            context.problem(where, why, "locations")
            return
        if isinstance(data, list):
            records = [(f"$[{i}]", item) for i, item in enumerate(data)]
        elif isinstance(data, dict) and "locationId" not in data and isinstance(data.get("locations"), list):
            records = [(f"$.locations[{i}]", item) for i, item in enumerate(data["locations"])]
        else:
            records = [("$", data)]
        for root, record in records:
            yield from _mapped(record, str(path), root, context)

    # --- The live API.

    def client(self, api: ApiSource) -> CqcApiClient:
        """A client for ``api`` with this adapter's key, retry and timeout settings."""
        return CqcApiClient(
            base_url=api.base_url,
            api_key=api.api_key or self.api_key or os.environ.get(KEY_ENV) or None,
            user_agent=f"mipr-rules-adapter-cqc/{__version__}",
            retries=self.retries,
            backoff=self.backoff,
            max_wait=self.max_wait,
            timeout=self.timeout,
        )

    def _read_api(self, api: ApiSource, context: ReadContext) -> Iterator[Read]:
        client = self.client(api)
        seen: set[str] = set()
        for entry in _location_ids(client, api):
            if isinstance(entry, tuple):
                context.problem(*entry, "locations")
                continue
            if entry in seen:
                continue
            seen.add(entry)
            where = client.url(client.location_path(entry))
            try:
                data = client.location(entry)
            except CqcApiError as exc:
                if exc.status is None or exc.status in AUTH_STATUSES or exc.status == 429:
                    raise  # the whole read is affected, not this one record
                context.problem(exc.where, exc.reason, "locations")
                continue
            except InputError as exc:  # a body that is not JSON
                where_, _, why = str(exc).partition(": ")
                context.problem(where_, why, "locations")
                continue
            yield from _mapped(data, where, "$", context)


def _mapped(record: object, source: str, root: str, context: ReadContext) -> Iterator[Read]:
    from mipr_rules.cqc_api import CqcInputError, read_cqc_location  # on first read: registering stays cheap

    try:
        yield read_cqc_location(record, source, key=context.key, root=root)
    except CqcInputError as exc:
        context.problem(exc.source, exc.reason, "locations")


def _location_ids(client: CqcApiClient, api: ApiSource) -> Iterator[str | tuple[str, str]]:
    """The ids to read, in order; a ``(where, why)`` pair for an entry that names no id."""
    per_page = api.per_page or DEFAULT_PER_PAGE
    if api.location_ids:
        yield from api.location_ids
        return
    if api.since:
        until = api.until or dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        params: list[tuple[str, object]] = [("startTimestamp", api.since), ("endTimestamp", until)]
        path, items_key, id_key = "/changes/location", "changes", "locationId"
    else:
        params = list(api.filters)
        path, items_key, id_key = "/locations", "locations", "locationId"
    for url, index, item in client.paged(path, items_key, params, per_page):
        found = _entry_id(item, id_key)
        yield found if found is not None else (url, f"no location id @ $.{items_key}[{index}]")


def _entry_id(item: Any, id_key: str) -> str | None:
    """A list entry's id: ``/changes`` lists bare ids, ``/locations`` lists objects with ``locationId``."""
    if isinstance(item, str) and item.strip():
        return item.strip()
    if isinstance(item, dict) and isinstance(item.get(id_key), str) and item[id_key].strip():
        return str(item[id_key]).strip()
    return None
