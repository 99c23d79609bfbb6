"""Testing support for rule authors, vendors and adapter writers (pytest plugin, adapter contract suite)."""

TEST_KEY = b"mipr-rules tests only: never a provider's pseudonymisation key"
"""A pseudonymisation key for tests (``ReadContext(key=TEST_KEY)``); pseudonyms made with it are public."""
