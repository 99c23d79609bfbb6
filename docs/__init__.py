"""The documentation of mipr-rules, installed inside the core wheel as ``mipr_rules.docs`` (Markdown files)."""
