"""The HTML report: the same view as the Markdown one, in one self-contained file.

Jinja2's autoescape escapes every value, so a ``<script>`` inside an artifact's
text or the model's answer shows as text and never runs. Charts are inline PNG
data URIs; the page loads nothing else and its Content-Security-Policy forbids
scripts and remote requests even if a value slipped through unescaped.
"""

from __future__ import annotations

from functools import cache

import jinja2
import pandas as pd

from chimera.agents.outcome import AgentOutcome
from chimera.reports.plots import charts
from chimera.reports.view import build_view


@cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("chimera.reports", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def render_html(outcome: AgentOutcome, dataset: pd.DataFrame) -> str:
    """The agent's report as HTML, with charts drawn from ``dataset``."""
    template = environment().get_template("agent_report.html.j2")
    return template.render(
        v=build_view(outcome), charts=charts(dataset, outcome.stage_ms)
    )
