"""Testing support for rule authors, vendors and adapter writers (pytest plugin, adapter contract suite)."""
