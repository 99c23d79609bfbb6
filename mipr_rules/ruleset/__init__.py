"""Rulesets: the YAML schema, the loader and the catalogue that picks a ruleset by id or by date."""
