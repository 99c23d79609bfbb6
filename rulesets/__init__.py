"""The rulesets shipped with mipr-rules (YAML data files; installed as ``mipr_rules.rulesets``)."""
