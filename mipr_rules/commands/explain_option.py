"""``--explain[=why|why-not RULE_ID]``: the click option; what it asks for is ``mipr_rules.explain.ExplainRequest``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from mipr_rules.explain import ExplainRequest, parse_explain

F = TypeVar("F", bound=Callable[..., Any])


class ExplainOption(click.Option):
    """``--explain`` (why), ``--explain=why-not RULE_ID``: the rule id may be the next argument."""

    def add_to_parser(self, parser: Any, ctx: click.Context) -> None:
        super().add_to_parser(parser, ctx)
        option = getattr(parser, "_long_opt", {}).get(self.opts[0])
        process = getattr(option, "process", None)
        if option is None or process is None:  # another click: why-not:RULE_ID still works
            return

        def take_rule_id(value: Any, state: Any) -> None:
            rargs = getattr(state, "rargs", None)
            if value == "why-not" and rargs and not str(rargs[0]).startswith("-"):
                value = f"why-not {rargs.pop(0)}"
            process(value, state)

        option.process = take_rule_id


def _convert(ctx: click.Context, param: click.Parameter, value: Any) -> ExplainRequest | None:
    if value is None:
        return None
    try:
        return parse_explain(str(value))
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def explain_option(func: F) -> F:
    """Add ``--explain[=why|why-not RULE_ID]`` to a command; the parameter is ``explain: ExplainRequest | None``."""
    return click.option(
        "--explain", "explain", cls=ExplainOption, is_flag=False, flag_value="why", default=None,
        callback=_convert, metavar="[why|why-not RULE_ID]",
        help="Explain each result (the facts and values that matched), or with why-not RULE_ID which "
             "condition of that rule failed and by how much.",
    )(func)
