"""The detail of one grid cell: output, each assertion with its reason, timings, the rendered
prompt, a word diff against the output in the neighbouring column, and a Replay button.

Replay runs the cell again from its recorded request; the view only asks for it
(:attr:`CellDetailView.replay_requested`) and shows the answer: the page runs the work in the
background, as it does every other, and knows which cells are being replayed (the view is told
when it shows one, so leaving a cell and coming back never allows a second replay of it).
"""

from __future__ import annotations

import difflib
import html
from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTextBrowser, QVBoxLayout, QWidget

from workbench.evals import CellResult, ReplayResult

EMPTY_TEXT = "Select a cell of the grid to see its output, assertions and timings."
PASS_HTML_COLOR = "#1f7a35"
FAIL_HTML_COLOR = "#b3261e"
REPLAY_TIP = (
    "Run this cell again from its recorded request, seed and model file, and compare the "
    "output with the stored one"
)


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


def replay_html(result: ReplayResult) -> str:
    """What a replay found: identical output or a word diff (stored → replayed), the replayed
    verdict, and which fingerprint keys differ."""
    grading = result.grading
    parts = ["<h4>Replay</h4>"]
    if result.identical:
        parts.append(
            f"<p><b style='color:{PASS_HTML_COLOR}'>Identical output</b>: the replay produced "
            "exactly the stored text.</p>"
        )
    else:
        parts.append(
            f"<p><b style='color:{FAIL_HTML_COLOR}'>Different output</b>: stored → replayed, "
            f"word by word:</p><p>{word_diff_html(result.cell.output, result.output)}</p>"
        )
    verdict = "passes" if grading.passed else "fails"
    parts.append(
        f"<p>The replayed output {verdict} its assertions (score {grading.score:.2f}; "
        f"stored: {'pass' if result.cell.passed else 'fail'}, {result.cell.score:.2f}).</p>"
    )
    if result.fingerprint_differences:
        keys = ", ".join(html.escape(key) for key in result.fingerprint_differences)
        parts.append(f"<p><b>Fingerprint differences:</b> {keys}</p>")
    else:
        parts.append("<p>Fingerprint: no differences (same model file, settings and seed).</p>")
    return "".join(parts)


def cell_html(
    cell: CellResult, neighbour: CellResult | None = None, replay: ReplayResult | None = None
) -> str:
    """The detail of ``cell`` as rich text (with what a replay of it found, if any)."""
    verdict = "passed" if cell.passed else "failed"
    if cell.status == "error":
        verdict = "error"
    colour = {"passed": PASS_HTML_COLOR, "failed": FAIL_HTML_COLOR, "error": "#8a5a00"}[verdict]
    parts = [
        f"<h3>{html.escape(cell.case_id)} · {html.escape(cell.prompt_id)} × "
        f"{html.escape(cell.model_id)}</h3>",
        f"<p><b style='color:{colour}'>{verdict.upper()}</b> · score {cell.score:.2f} · "
        f"cell {cell.number}, repeat {cell.repeat + 1}, seed {cell.seed}<br>"
        f"{html.escape(cell.reason)}</p>",
    ]
    if replay is not None:
        # First, right under the verdict: the user just asked for it.
        parts.append(replay_html(replay))
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


class CellDetailView(QWidget):
    """Shows one cell (see :func:`cell_html`) with a Replay button above it."""

    #: The user asked to replay this cell (a CellResult); the page runs it, says so with
    #: :meth:`set_replaying` and answers with :meth:`show_replay` or :meth:`show_replay_failed`.
    replay_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("evalCellDetail")
        self.cell: CellResult | None = None
        self.neighbour: CellResult | None = None
        self.replay: ReplayResult | None = None
        self.replaying = False
        self.browser = QTextBrowser()
        self.browser.setObjectName("evalCellDetailText")
        self.browser.setOpenLinks(False)
        self.replay_button = QPushButton("Replay")
        self.replay_button.setObjectName("evalReplayButton")
        self.replay_button.setToolTip(REPLAY_TIP)
        self.replay_button.clicked.connect(self._on_replay_button_clicked)
        self.replay_status = QLabel()
        self.replay_status.setObjectName("muted")
        self.replay_status.setWordWrap(True)  # a failure's message must not widen the panel
        row = QHBoxLayout()
        row.addWidget(self.replay_button)
        row.addWidget(self.replay_status, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.browser, 1)
        self.clear_cell()

    def toPlainText(self) -> str:  # named like the QTextBrowser it wraps
        """The shown text without markup (as ``QTextEdit.toPlainText``)."""
        return self.browser.toPlainText()

    def clear_cell(self) -> None:
        """Show the hint that nothing is selected."""
        self.cell = self.neighbour = self.replay = None
        self.replaying = False
        self.replay_status.clear()
        self.browser.setHtml(f"<p style='color:#777'>{EMPTY_TEXT}</p>")
        self._update_button()

    def show_cell(
        self, cell: CellResult, neighbour: CellResult | None = None, *, replaying: bool = False
    ) -> None:
        """Show ``cell`` (and a diff against ``neighbour``'s output); ``replaying``: a replay
        of it is in flight (Replay stays disabled until it answers)."""
        same = self.cell is not None and self.cell.id == cell.id
        if not same:
            # Another cell: its predecessor's replay (or the one still running) is not its own.
            self.replay, self.replaying = None, False
            self.replay_status.clear()
        self.cell, self.neighbour = cell, neighbour
        if replaying:
            self.set_replaying()
        self._render(keep_scroll=same)

    def set_replaying(self) -> None:
        """Say that the shown cell is being replayed (until its answer is shown)."""
        self.replaying = True
        self.replay_status.setText("Replaying… (the model loads first)")
        self._update_button()

    def show_replay(self, result: ReplayResult) -> bool:
        """Show what replaying ``result``'s cell found; False when another cell is shown now."""
        if self.cell is None or self.cell.id != result.cell.id:
            return False
        self.replay, self.replaying = result, False
        self.replay_status.setText("Identical output" if result.identical else "Output differs")
        self._render(keep_scroll=False)  # the replay section is at the top: show it
        return True

    def show_replay_failed(self, cell: CellResult, message: str) -> None:
        """Say that replaying ``cell`` failed (when it is still the one shown)."""
        if self.cell is not None and self.cell.id == cell.id:
            self.replaying = False
            self.replay_status.setText(f"Replay failed: {message}")
            self._update_button()

    def _render(self, *, keep_scroll: bool) -> None:
        assert self.cell is not None
        scroll = self.browser.verticalScrollBar().value()
        self.browser.setHtml(cell_html(self.cell, self.neighbour, self.replay))
        if keep_scroll:  # the same cell re-shown (its full record arrived) keeps the reader's place
            self.browser.verticalScrollBar().setValue(scroll)
        self._update_button()

    def _update_button(self) -> None:
        cell = self.cell
        # A cell that errored has no recorded request: there is nothing to replay.
        can = cell is not None and cell.status != "error" and not self.replaying
        self.replay_button.setEnabled(can)

    @Slot()
    def _on_replay_button_clicked(self) -> None:
        if self.cell is not None and not self.replaying:
            self.replay_requested.emit(self.cell)
