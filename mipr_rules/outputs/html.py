"""HTML output: ``--format html``, a self-contained readable report for managers (jinja2, autoescaped)."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import attrs

from mipr_rules import hookimpl
from mipr_rules.safe_text import plain

if TYPE_CHECKING:
    import jinja2


@functools.cache
def _environment() -> jinja2.Environment:
    """The template environment, made on first use (importing jinja2 is most of this module's cost)."""
    import jinja2
    from markupsafe import Markup

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("mipr_rules.outputs", "templates"),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined,
        # Control characters from data are replaced before escaping (safe_text.plain), as in text output.
        finalize=lambda value: plain(value) if isinstance(value, str) and not isinstance(value, Markup) else value,
    )
    env.filters["css_string"] = css_string
    return env


def css_string(value: Any) -> Any:
    """``value`` as a CSS string literal (every character but letters, digits and spaces hex-escaped), safe
    inside ``<style>``: used for the print page headers."""
    from markupsafe import Markup

    text = plain(value)
    return Markup('"' + "".join(c if c.isascii() and (c.isalnum() or c == " ") else f"\\{ord(c):06x} " for c in text)
                  + '"')


@attrs.frozen
class HtmlOutput:
    name: str = "html"
    description: str = "Self-contained HTML report"

    def render(self, report: Any) -> str:
        data = report.as_dict()
        kind = data.get("kind", "report")
        import jinja2

        env = _environment()
        try:
            template = env.get_template(f"{kind}.html.j2")
        except jinja2.TemplateNotFound:
            template = env.get_template("generic.html.j2")
        view = report.view() if hasattr(report, "view") else {}
        return template.render(report=data, view=view)


@hookimpl
def mipr_register_outputs(register: Any) -> None:
    register(HtmlOutput())
