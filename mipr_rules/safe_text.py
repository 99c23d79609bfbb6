"""Text from data, made safe to print: what a record holds must never steer the terminal.

Location names, ids, messages filled from records and ruleset titles reach the terminal through rich,
which reads ``[...]`` as markup (``[link=https://…]`` makes a clickable link, ``[/]`` with nothing open
raises), and through plain ``click.echo``, where an ESC sequence can move the cursor, recolour or
retitle the terminal. Every place that prints such a value wraps it:

- ``safe(value)`` for rich markup strings: control characters replaced, markup escaped;
- ``plain(value)`` for plain text (and rich calls with ``markup=False``): control characters replaced.

HTML output escapes through jinja2's autoescape.
"""

from __future__ import annotations

import re
from typing import Any

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""C0 controls but tab and newline, DEL, C1 controls (CSI, OSC…) and bidirectional overrides."""
REPLACEMENT = "\ufffd"
"""What a control character is shown as."""


def plain(value: Any) -> str:
    """``str(value)`` with every control character (ESC, CR, BEL, C1, bidi overrides) replaced by U+FFFD."""
    return _CONTROL.sub(REPLACEMENT, str(value))


def safe(value: Any) -> str:
    """``plain(value)`` with rich markup escaped, ready to interpolate into a rich markup string."""
    from rich.markup import escape  # here: JSON output never needs rich

    return escape(plain(value))
