"""One error hierarchy: every failure a user can cause is a ``MiprRulesError`` with a one-line message."""

from __future__ import annotations


def first_line(error: object) -> str:
    """The first non-empty line of an error's message (drivers' messages run over several lines)."""
    for line in str(error).splitlines():
        if line.strip():
            return line.strip()
    return type(error).__name__


class MiprRulesError(Exception):
    """Base of every error mipr-rules raises on purpose; the CLI maps it to exit code 2."""

    exit_code = 2


class InputError(MiprRulesError):
    """Input data (a location file, CSV export, events file...) is missing, malformed or of the wrong type."""


class RulesetError(MiprRulesError):
    """A ruleset file is malformed, violates the schema, or uses a rule shape the engine cannot run safely.

    Besides the one-line message, where it is known: ``where``, the JSON path inside the ruleset
    (``$.rules[3].when[0].days.gt``); ``rule_id``, the rule; ``line``, the 1-based line in the file.
    """

    def __init__(self, message: str, *, where: str | None = None, rule_id: str | None = None,
                 line: int | None = None) -> None:
        super().__init__(message)
        self.where = where
        self.rule_id = rule_id
        self.line = line


class ConfigError(MiprRulesError):
    """A configuration or parameter-override file is malformed or names unknown parameters."""


class PluginError(MiprRulesError):
    """A plugin is misdeclared, or a named adapter, output format or ruleset source is not installed."""


class EngineError(MiprRulesError):
    """The rules engine rejected input, or an engine limit was reached."""


class EngineCrash(EngineError):
    """The engine worker process died while evaluating; the input it was given is named, never its content."""


class EvaluationIncomplete(MiprRulesError):
    """Some locations or inputs were not evaluated; raised unless the caller passes ``allow_incomplete=True``.

    ``failures`` holds ``(key, reason)`` pairs: the pseudonymous key (location id, report key, input name)
    and why it was not evaluated, never the content. The CLI maps it to exit code 3.
    """

    exit_code = 3

    def __init__(self, failures: list[tuple[str, str]] | tuple[tuple[str, str], ...], total: int | None = None) -> None:
        self.failures: tuple[tuple[str, str], ...] = tuple(failures)
        self.total = total
        first = "; ".join(f"{key}: {why}" for key, why in self.failures[:3])
        more = f" (and {len(self.failures) - 3} more)" if len(self.failures) > 3 else ""
        of = f" of {total}" if total is not None else ""
        super().__init__(f"evaluation incomplete: {len(self.failures)}{of} not evaluated: {first}{more}")
