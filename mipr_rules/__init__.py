"""mipr-rules: declarative, versioned rulesets that keep UK care services ready for CQC inspection."""

from importlib.metadata import PackageNotFoundError, version

import pluggy

hookimpl = pluggy.HookimplMarker("mipr_rules")
"""Marker for plugin hook implementations: ``@mipr_rules.hookimpl``."""

try:
    __version__ = version("mipr-rules")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"

__all__ = ["__version__", "hookimpl"]
