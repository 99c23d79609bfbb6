"""The ``mipr`` command line (click)."""
