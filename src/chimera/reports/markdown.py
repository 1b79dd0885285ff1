"""The Markdown report, rendered from the report view with a Jinja2 template.

Markdown viewers render raw HTML, so text that came from artifacts or from the
model is neutralised on the way in: ``<`` becomes ``&lt;`` (no tag can open), a
leading ``#`` or ``>`` is escaped (no fake headings), ``|`` is escaped in table
cells, and code fences are made longer than any backtick run inside them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

import jinja2

from chimera.agents.outcome import AgentOutcome
from chimera.analysis.verify import CheckedText
from chimera.reports.view import build_view

_LEADING_MARK = re.compile(r"^([#>+\-*=]|\d+[.)])")
_BACKTICKS = re.compile(r"`+")


def md(text: object) -> str:
    """Inline Markdown text: one line, no HTML tags, no leading block markers.

    >>> md("# Big <script>x</script>\\n next")
    '\\\\# Big &lt;script>x&lt;/script> next'
    """
    flat = " ".join(str(text).split()).replace("<", "&lt;")
    return _LEADING_MARK.sub(r"\\\1", flat)


def cell(text: object) -> str:
    """Text for a table cell: one line, no HTML tags, ``|`` escaped.

    >>> cell("a|b <i>")
    'a\\\\|b &lt;i>'
    """
    flat = " ".join(str(text).split()).replace("<", "&lt;")
    return flat.replace("|", "\\|")


def checked(text: CheckedText | None) -> str:
    """A checked text with a bold marker after each flagged figure or citation."""
    if text is None:
        return ""
    pieces = []
    for piece, flag in text.segments():
        pieces.append(piece)
        if flag is not None:
            pieces.append(f" **[unverified #{flag.label}]**")
    return md("".join(pieces))


def cites(fact_ids: Sequence[str]) -> str:
    return f" _(facts: {', '.join(fact_ids)})_" if fact_ids else ""


def code(text: object) -> str:
    """Text inside an inline code span (a backtick would close it)."""
    return " ".join(str(text).split()).replace("`", "'")


def quote(text: str) -> str:
    return "\n".join(f"> {line}" for line in text.splitlines() or [""])


def fenced(text: str) -> str:
    """A fenced code block longer than any backtick run in ``text``."""
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("chimera.reports", "templates"),
        autoescape=False,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(
        md=md, cell=cell, checked=checked, cites=cites, code=code, quote=quote,
        fenced=fenced,
    )  # fmt: skip
    return env


def render_markdown(outcome: AgentOutcome) -> str:
    """The agent's report as Markdown (the layout of ``agent_report.md.j2``)."""
    template = environment().get_template("agent_report.md.j2")
    text = template.render(v=build_view(outcome))
    return re.sub(r"\n{3,}", "\n\n", text)
