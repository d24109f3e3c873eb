"""The detail of one grid cell: output, each assertion with its reason, timings, the rendered
prompt, and a word diff against the output in the neighbouring column."""

from __future__ import annotations

import difflib
import html
from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtWidgets import QTextBrowser, QWidget

from workbench.evals import CellResult

EMPTY_TEXT = "Select a cell of the grid to see its output, assertions and timings."


def word_diff_html(before: str, after: str) -> str:
    """``after`` against ``before`` word by word: removed words struck out, added underlined."""
    a, b = before.split(), after.split()
    parts: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            parts.append(html.escape(" ".join(a[i1:i2])))
            continue
        if i2 > i1:
            removed = html.escape(" ".join(a[i1:i2]))
            parts.append(f"<span style='background:#f6cfcf'><s>{removed}</s></span>")
        if j2 > j1:
            added = html.escape(" ".join(b[j1:j2]))
            parts.append(f"<span style='background:#cdebd3'><u>{added}</u></span>")
    return " ".join(parts)


def _seconds(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f} s"


def _assertions_html(grading: Mapping[str, Any]) -> str:
    components: Sequence[Mapping[str, Any]] = grading.get("components", ())
    if not components:
        return "<p><i>No assertions.</i></p>"
    rows = []
    for component in components:
        assertion = component.get("assertion", {})
        passed = bool(component.get("pass"))
        mark = "<b style='color:#1f7a35'>✓</b>" if passed else "<b style='color:#b3261e'>✗</b>"
        value = assertion.get("value")
        shown = "" if value is None else html.escape(str(value))[:200]
        weight = assertion.get("weight", 1.0)
        note = " <i>(informational)</i>" if weight == 0 else ""
        rows.append(
            f"<tr><td>{mark}</td><td><b>{html.escape(str(assertion.get('type', '?')))}</b>"
            f"{note}<br><small>{shown}</small></td>"
            f"<td>{float(component.get('score', 0.0)):.2f}</td>"
            f"<td>{html.escape(str(component.get('reason', '')))}</td></tr>"
        )
    return (
        "<table cellspacing='0' cellpadding='3' border='0'>"
        "<tr><th></th><th align='left'>Assertion</th><th>Score</th>"
        "<th align='left'>Reason</th></tr>" + "".join(rows) + "</table>"
    )


def cell_html(cell: CellResult, neighbour: CellResult | None = None) -> str:
    """The detail of ``cell`` as rich text."""
    verdict = "passed" if cell.passed else "failed"
    if cell.status == "error":
        verdict = "error"
    colour = {"passed": "#1f7a35", "failed": "#b3261e", "error": "#8a5a00"}[verdict]
    parts = [
        f"<h3>{html.escape(cell.case_id)} · {html.escape(cell.prompt_id)} × "
        f"{html.escape(cell.model_id)}</h3>",
        f"<p><b style='color:{colour}'>{verdict.upper()}</b> · score {cell.score:.2f} · "
        f"cell {cell.number}, repeat {cell.repeat + 1}, seed {cell.seed}<br>"
        f"{html.escape(cell.reason)}</p>",
    ]
    if cell.error:
        parts.append(f"<p><b>Error:</b> {html.escape(cell.error)}</p>")
    parts.append("<h4>Output</h4>")
    if cell.output:
        parts.append(f"<pre style='white-space:pre-wrap'>{html.escape(cell.output)}</pre>")
    else:
        parts.append("<p><i>(The model returned no text.)</i></p>")
    parts.append("<h4>Assertions</h4>")
    parts.append(_assertions_html(cell.grading))
    tps = "–" if cell.tokens_per_second is None else f"{cell.tokens_per_second:.1f}"
    parts.append(
        "<h4>Timings</h4>"
        f"<p>Total {_seconds(cell.total_seconds)} · first token "
        f"{_seconds(cell.time_to_first_token_s)} · {tps} tokens/s · prompt "
        f"{cell.prompt_tokens if cell.prompt_tokens is not None else '–'} tokens, completion "
        f"{cell.completion_tokens if cell.completion_tokens is not None else '–'} tokens · "
        f"finish: {html.escape(cell.finish_reason or '–')}</p>"
    )
    if neighbour is not None:
        parts.append(
            f"<h4>Word diff against {html.escape(neighbour.prompt_id)} × "
            f"{html.escape(neighbour.model_id)}</h4>"
            f"<p>{word_diff_html(neighbour.output, cell.output)}</p>"
        )
    parts.append("<h4>Rendered prompt</h4>")
    if cell.rendered_prompt is None:
        parts.append("<p><i>Loading…</i></p>")
    else:
        parts.append(f"<pre style='white-space:pre-wrap'>{html.escape(cell.rendered_prompt)}</pre>")
    return "".join(parts)


class CellDetailView(QTextBrowser):
    """Shows one cell (see :func:`cell_html`)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("evalCellDetail")
        self.setOpenLinks(False)
        self.cell: CellResult | None = None
        self.clear_cell()

    def clear_cell(self) -> None:
        """Show the hint that nothing is selected."""
        self.cell = None
        self.setHtml(f"<p style='color:#777'>{EMPTY_TEXT}</p>")

    def show_cell(self, cell: CellResult, neighbour: CellResult | None = None) -> None:
        """Show ``cell`` (and a diff against ``neighbour``'s output)."""
        self.cell = cell
        self.setHtml(cell_html(cell, neighbour))
