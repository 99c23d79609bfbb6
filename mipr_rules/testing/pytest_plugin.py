"""pytest plugin for mipr-rules (entry point ``pytest11`` ``mipr_rules``); being written (issue 5)."""
