"""One error hierarchy: every failure a user can cause is a ``MiprRulesError`` with a one-line message."""

from __future__ import annotations


class MiprRulesError(Exception):
    """Base of every error mipr-rules raises on purpose; the CLI maps it to exit code 2."""

    exit_code = 2


class InputError(MiprRulesError):
    """Input data (a location file, CSV export, events file...) is missing, malformed or of the wrong type."""


class RulesetError(MiprRulesError):
    """A ruleset file is malformed, violates the schema, or uses a rule shape the engine cannot run safely."""


class ConfigError(MiprRulesError):
    """A configuration or parameter-override file is malformed or names unknown parameters."""


class PluginError(MiprRulesError):
    """A plugin is misdeclared, or a named adapter, output format or ruleset source is not installed."""


class EngineError(MiprRulesError):
    """The rules engine rejected input, or an engine limit was reached."""


class EngineCrash(EngineError):
    """The engine worker process died while evaluating; the input it was given is named, never its content."""
