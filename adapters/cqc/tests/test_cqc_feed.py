"""The CQC change feed on a CQC API look-alike on 127.0.0.1: ``/changes/location`` polled from a
position, the changed locations read again, one the API no longer has taken as deleted."""

from __future__ import annotations

from conftest import CqcServer

from mipr_rules import plugins
from mipr_rules.adapters.base import ReadContext
from mipr_rules.testing import TEST_KEY
from mipr_rules.watch.changes import FeedOptions
from mipr_rules_adapter_cqc import CqcAdapter
from mipr_rules_adapter_cqc.feed import CqcChangeFeed


def test_polls_changes_from_its_position_and_reads_them_again(cqc_server: CqcServer, api_key: str) -> None:
    options = FeedOptions(ReadContext(key=TEST_KEY), "cqc:2024-01-01T00:00:00Z", poll=0.0)
    feed = CqcChangeFeed(CqcAdapter(backoff=0), f"{cqc_server.base_url}?perPage=2", options)
    changes = feed.wait(0.0)
    assert [c.location_id for c in changes] == ["1-9000000201", "1-125856395"]
    first = cqc_server.requests_to("/changes/location")[0]
    assert first.query["startTimestamp"] == ["2024-01-01T00:00:00Z"]
    assert feed.position != "cqc:2024-01-01T00:00:00Z"  # moved on to the end of the window asked
    found = {loc.location_id for loc in feed.read([*(c.location_id for c in changes), "1-0000000000"])}
    assert found == {"1-125856395", "1-9000000201"}  # 1-0000000000: the API answers 404, gone
    feed.close()


def test_the_cqc_adapter_offers_its_feed_through_the_hook(cqc_server: CqcServer, api_key: str) -> None:
    adapter = plugins.adapter("cqc")
    options = FeedOptions(ReadContext(key=TEST_KEY), None, poll=60.0)
    feed = plugins.plugin_manager().hook.mipr_change_feed(
        adapter=adapter, source=cqc_server.base_url, options=options
    )
    assert isinstance(feed, CqcChangeFeed)
    assert feed.position is not None and feed.position.startswith("cqc:")
