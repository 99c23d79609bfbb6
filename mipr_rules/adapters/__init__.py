"""Data adapters: the built-in file adapter and the protocol every adapter plugin satisfies."""
