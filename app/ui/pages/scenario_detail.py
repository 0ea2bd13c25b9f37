"""The right-hand pane of the Scenarios page: one scenario, read-only."""

from __future__ import annotations

from html import escape

from PySide6.QtWidgets import QStackedWidget, QTextBrowser

from app.scenarios.library import ScenarioDetail
from app.ui.pages.scenarios_model import answer_time
from app.ui.widgets import EmptyState


def _list(items) -> str:
    return (
        "<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>"
        if items
        else "<p>None</p>"
    )


def _words(items) -> str:
    return escape(", ".join(items)) if items else "None"


def detail_html(d: ScenarioDetail) -> str:
    why = f"<p>{escape(d.cross_sell_why)}</p>" if d.cross_sell_why else ""
    timing = (
        f"Preparation {answer_time(d.prep_seconds)} · answer up to {answer_time(d.max_answer_seconds)}"
        f" · {d.allowed_attempts} attempt{'s' if d.allowed_attempts != 1 else ''}"
        f" · {escape(d.difficulty)}"
    )
    criteria = "".join(
        f"<tr><td><b>{escape(c.name)}</b><br>{escape(c.description)}</td>"
        f"<td align='right'>{c.weight:g}</td><td align='right'>{c.max_score}</td></tr>"
        for c in d.criteria
    )
    media = f"<p>Prompt media: {escape(d.prompt_media_path)}</p>" if d.prompt_media_path else ""
    return f"""
<h2>{escape(d.title)}</h2>
<p><b>{escape(d.product)}</b> &rarr; <b>{escape(d.cross_sell)}</b></p>
{why}
<h4>Situation</h4><p>{escape(d.situation)}</p>
<h4>The customer says</h4><p><i>&ldquo;{escape(d.customer_line)}&rdquo;</i></p>
{media}
<h4>Talking points</h4>{_list(d.talking_points)}
<h4>Keywords to mention</h4><p>{_words(d.keywords_mention)}</p>
<h4>Keywords to avoid</h4><p>{_words(d.keywords_avoid)}</p>
<h4>Timing</h4><p>{timing}</p>
<h4>Rubric: {escape(d.rubric_name)}</h4>
<table width='100%' cellspacing='0' cellpadding='4'>
<tr><th align='left'>Criterion</th><th align='right'>Weight</th><th align='right'>Max</th></tr>
{criteria}
</table>
<p>Tags: {_words(d.tags)} · key {escape(d.key)}</p>
"""


class ScenarioDetailPane(QStackedWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.empty = EmptyState(
            "scenarios", "No scenario selected", "Select a scenario in the list to read it here."
        )
        self.browser = QTextBrowser(objectName="scenarioDetail")
        self.browser.setOpenLinks(False)
        self.addWidget(self.empty)
        self.addWidget(self.browser)
        self.detail: ScenarioDetail | None = None

    def show_detail(self, detail: ScenarioDetail | None) -> None:
        self.detail = detail
        if detail is None:
            self.setCurrentWidget(self.empty)
            self.browser.clear()
        else:
            self.browser.setHtml(detail_html(detail))
            self.setCurrentWidget(self.browser)
