"""Output formats and notifiers for results."""
