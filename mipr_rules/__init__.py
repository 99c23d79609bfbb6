"""mipr-rules: declarative, versioned rulesets that keep UK care services ready for CQC inspection."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pluggy

    hookimpl: pluggy.HookimplMarker
    __version__: str

__all__ = ["__version__", "hookimpl"]


def __getattr__(name: str) -> Any:
    """``hookimpl`` and ``__version__``, made on first use: an engine worker or ``mipr --version`` that
    imports a submodule does not pay for pluggy or the package metadata."""
    if name == "hookimpl":
        import pluggy

        value: Any = pluggy.HookimplMarker("mipr_rules")
        """Marker for plugin hook implementations: ``@mipr_rules.hookimpl``."""
    elif name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            value = version("mipr-rules")
        except PackageNotFoundError:  # running from a source tree that is not installed
            value = "0.0.0+source"
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value
