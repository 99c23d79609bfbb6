"""Moved to ``mipr_rules.safe_text`` (results below the outputs use it too); kept so that existing imports work."""

from mipr_rules.safe_text import plain, safe

__all__ = ["plain", "safe"]
