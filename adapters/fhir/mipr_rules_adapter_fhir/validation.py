"""Checking a resource against the FHIR R4 (4.0.1) structure with fhirclient's generated models.

fhirclient reports every error at once and may quote element names and Python reprs; only the first error
is turned into a record problem: the element's path and a fixed reason, never a value.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Mapping
from typing import Any

from fhirclient.models.fhirabstractbase import FHIRValidationError

from mipr_rules_adapter_fhir.node import RecordProblem

_PROPERTY = re.compile(r'(?:property|Property|entry) "(\w+)"')


def validate(resource_type: str, resource: Mapping[str, Any]) -> bool:
    """``True``; ``RecordProblem`` if ``resource`` is not a structurally valid FHIR R4 ``resource_type``."""
    module = importlib.import_module(f"fhirclient.models.{resource_type.lower()}")
    model = getattr(module, resource_type)
    try:
        model(dict(resource), strict=True)
    except FHIRValidationError as exc:
        path, why = _first(exc, "")
        raise RecordProblem(path or ".", why) from None
    except Exception:  # fhirclient raises bare Exception for some shapes
        raise RecordProblem(".", "not a valid FHIR R4 resource") from None
    return True


def _first(error: BaseException, path: str) -> tuple[str, str]:
    if isinstance(error, FHIRValidationError):
        if error.path:
            path += "".join(f"[{part}]" if part.isdigit() else f".{part}" for part in error.path.split("."))
        if error.errors:
            return _first(error.errors[0], path)
        return path, "not valid FHIR R4"
    message = str(error)
    named = _PROPERTY.search(message)
    element = f"{path}.{named.group(1)}" if named else path
    if isinstance(error, KeyError):
        return element, "required element missing"
    if isinstance(error, AttributeError) and "Superfluous" in message:
        return element, "not an element of this FHIR R4 resource"
    if "expected format" in message:
        return path, "not a valid FHIR date, dateTime or instant"
    if isinstance(error, TypeError):
        return path, "wrong JSON type for this FHIR R4 element"
    return path, "not valid FHIR R4"
