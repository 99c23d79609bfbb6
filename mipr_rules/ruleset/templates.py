"""Limits of rule message and ``emit`` templates, checked when a ruleset is loaded.

A template fills ``{name}`` with a field of the matched fact or a parameter. What ``str.format`` allows
beyond that costs memory per alert or reaches into objects, so it is refused: a field is a plain name
(no ``[index]`` or ``.attribute``), a format spec has no nested ``{…}`` and widths or precisions of at most
``MAX_TEMPLATE_WIDTH``, and a template is at most ``MAX_TEMPLATE_LENGTH`` characters.
"""

from __future__ import annotations

import re
import string

MAX_TEMPLATE_WIDTH = 100
"""Largest width or precision in a template's format spec (``{days:>8}``)."""
MAX_TEMPLATE_LENGTH = 4_000
"""Longest template, in characters."""
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_NUMBER = re.compile(r"\d+")


def template_problem(template: str) -> str | None:
    """Why ``template`` is refused, or ``None`` when it is usable."""
    if len(template) > MAX_TEMPLATE_LENGTH:
        return f"template longer than {MAX_TEMPLATE_LENGTH} characters"
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        return f"malformed template: {exc}"
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        shown = name if len(name) <= 40 else name[:40] + "…"
        if not _NAME.match(name):
            return f"template field {{{shown}}}: a field is a plain name (no index, attribute or position)"
        if conversion not in (None, "s", "r"):
            return f"template field {{{shown}}}: conversion !{conversion} (use !s or !r)"
        if spec and ("{" in spec or "}" in spec):
            return f"template field {{{shown}}}: nested fields in a format spec"
        if spec and any(len(n) > 6 or int(n) > MAX_TEMPLATE_WIDTH for n in _NUMBER.findall(spec)):
            return f"template field {{{shown}}}: width or precision above {MAX_TEMPLATE_WIDTH}"
    return None
