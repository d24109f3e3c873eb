"""The detail of one grid cell: output, each assertion with its reason, timings, the rendered
prompt, a word diff against the output in the neighbouring column, and a Replay button.

A cell run with repeats has one sample per repeat: a selector above the text shows them one at
a time ("Repeat 1 of 3", with each one's verdict and seed) and says when they disagree (flaky).
Colours come from the palette (:mod:`workbench.ui.evals.eval_colors`), so the text reads on the
light and the dark theme, and follow a theme change.

Replay runs the cell again from its recorded request; the view only asks for it
(:attr:`CellDetailView.replay_requested`) and shows the answer: the page runs the work in the
background, as it does every other, and knows which cells are being replayed (the view is told
when it shows one, so leaving a cell and coming back never allows a second replay of it).
"""

from __future__ import annotations

import dataclasses
import difflib
import html
from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import QEvent, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from workbench.evals import Assertion, CellResult, ReplayResult
from workbench.ui.evals.eval_colors import DetailColors, detail_colors

EMPTY_TEXT = "Select a cell of the grid to see its output, assertions and timings."
REPLAY_TIP = (
    "Run this cell again from its recorded request, seed and model file, and compare the "
    "output with the stored one"
)


@dataclasses.dataclass(frozen=True)
class CellSelection:
    """What the grid's current cell holds: its samples (one per finished repeat, in order), the
    neighbouring column's samples for the word diff, the case's name, the repeats asked, the
    case's assertions (None: not known) and, for a cell with no sample yet, why it has none
    (``pending``: queued, or not run)."""

    samples: tuple[CellResult, ...]
    neighbours: tuple[CellResult, ...] = ()
    case_label: str = ""
    repeats: int = 0  # the run's repeats per cell (0: as many as there are samples)
    assertions: tuple[Assertion, ...] | None = None
    pending: str = ""

    @property
    def n_repeats(self) -> int:
        """Repeats of the cell: the run's, or the samples there are when more."""
        return max(self.repeats, len(self.samples))

    @property
    def flaky(self) -> bool:
        """Whether the evaluated samples disagree on pass/fail (an errored one was never
        evaluated)."""
        return len({cell.passed for cell in self.samples if cell.status != "error"}) > 1

    def neighbour_of(self, cell: CellResult) -> CellResult | None:
        """The neighbouring column's sample of the same repeat (else its first)."""
        for other in self.neighbours:
            if other.repeat == cell.repeat:
                return other
        return self.neighbours[0] if self.neighbours else None

    def replaced(self, cell: CellResult) -> CellSelection:
        """This selection with ``cell`` (its full record, say) in place of its sample."""
        samples = tuple(cell if old.id == cell.id else old for old in self.samples)
        return dataclasses.replace(self, samples=samples)

    def same_cell(self, other: CellSelection) -> bool:
        """Whether ``other`` holds samples of the same grid cell (case and column)."""
        if not self.samples or not other.samples:
            return False
        mine, theirs = self.samples[0], other.samples[0]
        return (mine.run_id, mine.case_id, mine.column) == (
            theirs.run_id,
            theirs.case_id,
            theirs.column,
        )

    def merged(self, newer: CellSelection) -> CellSelection:
        """``newer`` (the same cell with more samples, say), keeping the full records read
        for this selection's samples."""
        full = {cell.id: cell for cell in self.samples if cell.rendered_prompt is not None}
        samples = tuple(full.get(cell.id, cell) for cell in newer.samples)
        return dataclasses.replace(newer, samples=samples)


def sample_text(cell: CellResult, n_repeats: int) -> str:
    """A sample's entry in the selector: ``Repeat 1 of 3 · failed · seed 7``."""
    verdict = "error" if cell.status == "error" else ("passed" if cell.passed else "failed")
    return f"Repeat {cell.repeat + 1} of {n_repeats} · {verdict} · seed {cell.seed}"


def flaky_note(selection: CellSelection) -> str:
    """What the selector says about the samples: how many passed, and whether they disagree."""
    samples = [cell for cell in selection.samples if cell.status != "error"]
    errors = len(selection.samples) - len(samples)
    passes = sum(cell.passed for cell in samples)
    outputs = len({cell.output for cell in samples})
    different = f"{outputs} different outputs"
    if outputs == 1:
        different = "the same output" if len(samples) > 1 else "1 output"
    if not samples:  # every sample errored: nothing passed or failed, there is no output
        text = f"{errors} of {len(selection.samples)} samples errored (not evaluated)"
    else:
        text = f"{passes} of {len(samples)} samples passed, {different}"
        if errors:
            text += f", {errors} errored (not evaluated)"
    # An errored sample ran (it is not evaluated): only repeats with no sample are "not run".
    if len(selection.samples) < selection.n_repeats:
        text += f" ({selection.n_repeats - len(selection.samples)} not run)"
    return f"Flaky: {text}" if selection.flaky else text


def word_diff_html(before: str, after: str, colors: DetailColors | None = None) -> str:
    """``after`` against ``before`` word by word: removed words struck out, added underlined,
    on the palette's diff tints (readable on either theme)."""
    colors = colors or detail_colors()
    a, b = before.split(), after.split()
    parts: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            parts.append(html.escape(" ".join(a[i1:i2])))
            continue
        if i2 > i1:
            removed = html.escape(" ".join(a[i1:i2]))
            parts.append(f"<span style='background-color:{colors.removed}'><s>{removed}</s></span>")
        if j2 > j1:
            added = html.escape(" ".join(b[j1:j2]))
            parts.append(f"<span style='background-color:{colors.added}'><u>{added}</u></span>")
    return " ".join(parts)


def _seconds(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f} s"


def _not_evaluated_html(assertions: Sequence[Assertion], colors: DetailColors) -> str:
    """The case's assertions, none of them evaluated (the cell errored)."""
    rows = []
    for assertion in assertions:
        shown = "" if assertion.value is None else html.escape(str(assertion.value))[:200]
        note = " <i>(informational)</i>" if assertion.weight == 0 else ""
        rows.append(
            f"<tr><td style='color:{colors.muted}'>–</td><td><b>{html.escape(assertion.name)}"
            f"</b>{note}<br><small>{shown}</small></td>"
            f"<td style='color:{colors.muted}'><i>not evaluated</i></td></tr>"
        )
    return (
        "<table cellspacing='0' cellpadding='3' border='0'>"
        "<tr><th></th><th align='left'>Assertion</th><th align='left'>Outcome</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def _assertions_html(
    cell: CellResult, assertions: Sequence[Assertion] | None, colors: DetailColors
) -> str:
    components: Sequence[Mapping[str, Any]] = cell.grading.get("components", ())
    if cell.status == "error" and not components:
        if assertions:
            return _not_evaluated_html(assertions, colors)
        if assertions is None:
            return "<p><i>Not evaluated: the cell errored.</i></p>"
        return "<p><i>No assertions.</i></p>"
    if not components:
        return "<p><i>No assertions.</i></p>"
    rows = []
    for component in components:
        assertion = component.get("assertion", {})
        passed = bool(component.get("pass"))
        mark = (
            f"<b style='color:{colors.passed}'>✓</b>"
            if passed
            else f"<b style='color:{colors.failed}'>✗</b>"
        )
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


def replay_html(result: ReplayResult, colors: DetailColors | None = None) -> str:
    """What a replay found: identical output or a word diff (stored → replayed), the replayed
    verdict, and which fingerprint keys differ."""
    colors = colors or detail_colors()
    grading = result.grading
    parts = ["<h4>Replay</h4>"]
    if result.identical:
        parts.append(
            f"<p><b style='color:{colors.passed}'>Identical output</b>: the replay produced "
            "exactly the stored text.</p>"
        )
    else:
        parts.append(
            f"<p><b style='color:{colors.failed}'>Different output</b>: stored → replayed, "
            f"word by word:</p><p>{word_diff_html(result.cell.output, result.output, colors)}</p>"
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
    cell: CellResult,
    neighbour: CellResult | None = None,
    replay: ReplayResult | None = None,
    *,
    case_label: str = "",
    n_repeats: int = 1,
    assertions: Sequence[Assertion] | None = None,
    colors: DetailColors | None = None,
) -> str:
    """The detail of ``cell`` as rich text (with what a replay of it found, if any): headed by
    the case's name (``case_label``, its description; the id when it has none), with the id
    in small print under it, and "repeat i of ``n_repeats``". An errored cell was never
    evaluated: it shows the error once, the case's ``assertions`` as not evaluated, no score,
    and only the sections it has something for."""
    colors = colors or detail_colors()
    errored = cell.status == "error"
    name = case_label or cell.case_id
    case_line = (
        f"<small style='color:{colors.muted}'>case {html.escape(cell.case_id)}</small><br>"
        if name != cell.case_id
        else ""
    )
    where = (
        f"cell {cell.number}, repeat {cell.repeat + 1} of {max(n_repeats, cell.repeat + 1)}, "
        f"seed {cell.seed}"
    )
    if errored:
        error = cell.error or cell.reason
        verdict = (
            f"<b style='color:{colors.error}'>ERROR</b> (not evaluated) · {where}<br>"
            f"{html.escape(error)}"
        )
    else:
        passed = cell.passed
        colour = colors.passed if passed else colors.failed
        verdict = (
            f"<b style='color:{colour}'>{'PASSED' if passed else 'FAILED'}</b> · score "
            f"{cell.score:.2f} · {where}<br>{html.escape(cell.reason)}"
        )
    parts = [
        f"<h3>{html.escape(name)} · {html.escape(cell.prompt_id)} × "
        f"{html.escape(cell.model_id)}</h3>",
        f"<p>{case_line}{verdict}</p>",
    ]
    if replay is not None:
        # First, right under the verdict: the user just asked for it.
        parts.append(replay_html(replay, colors))
    if not errored and cell.error:
        parts.append(f"<p><b>Error:</b> {html.escape(cell.error)}</p>")
    if cell.output:
        parts.append("<h4>Output</h4>")
        parts.append(f"<pre style='white-space:pre-wrap'>{html.escape(cell.output)}</pre>")
    elif not errored:
        parts.append("<h4>Output</h4><p><i>(The model returned no text.)</i></p>")
    parts.append("<h4>Assertions</h4>")
    parts.append(_assertions_html(cell, assertions, colors))
    if not errored or cell.total_seconds is not None:
        tps = "–" if cell.tokens_per_second is None else f"{cell.tokens_per_second:.1f}"
        parts.append(
            "<h4>Timings</h4>"
            f"<p>Total {_seconds(cell.total_seconds)} · first token "
            f"{_seconds(cell.time_to_first_token_s)} · {tps} tokens/s · prompt "
            f"{cell.prompt_tokens if cell.prompt_tokens is not None else '–'} tokens, "
            f"completion "
            f"{cell.completion_tokens if cell.completion_tokens is not None else '–'} tokens · "
            f"finish: {html.escape(cell.finish_reason or '–')}</p>"
        )
    comparable = neighbour is not None and not errored and neighbour.status != "error"
    if neighbour is not None and comparable and (cell.output or neighbour.output):
        parts.append(
            f"<h4>Word diff against {html.escape(neighbour.prompt_id)} × "
            f"{html.escape(neighbour.model_id)}</h4>"
            f"<p>{word_diff_html(neighbour.output, cell.output, colors)}</p>"
        )
    if cell.rendered_prompt is None:
        parts.append("<h4>Rendered prompt</h4><p><i>Loading…</i></p>")
    elif cell.rendered_prompt:
        parts.append(
            "<h4>Rendered prompt</h4>"
            f"<pre style='white-space:pre-wrap'>{html.escape(cell.rendered_prompt)}</pre>"
        )
    return "".join(parts)


class CellDetailView(QWidget):
    """Shows one cell (see :func:`cell_html`) with a Replay button above it, and, when the cell
    has several samples (repeats), a selector of the sample shown."""

    #: The user asked to replay this cell (a CellResult); the page runs it, says so with
    #: :meth:`set_replaying` and answers with :meth:`show_replay` or :meth:`show_replay_failed`.
    replay_requested = Signal(object)
    #: The user picked another sample of the cell: (CellResult, neighbour CellResult or None).
    sample_chosen = Signal(object, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("evalCellDetail")
        self.cell: CellResult | None = None
        self.neighbour: CellResult | None = None
        self.replay: ReplayResult | None = None
        self.selection: CellSelection | None = None
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
        self.previous_button = QToolButton()
        self.previous_button.setText("◀")
        self.previous_button.setToolTip("The previous sample (repeat) of this cell")
        self.previous_button.clicked.connect(self._on_previous_button_clicked)
        self.sample_box = QComboBox()
        self.sample_box.setObjectName("evalSampleBox")
        self.sample_box.setToolTip("The cell ran several times (repeats): the sample shown")
        self.sample_box.currentIndexChanged.connect(self._on_sample_box_current_index_changed)
        self.next_button = QToolButton()
        self.next_button.setText("▶")
        self.next_button.setToolTip("The next sample (repeat) of this cell")
        self.next_button.clicked.connect(self._on_next_button_clicked)
        self.samples_note = QLabel()
        self.samples_note.setObjectName("evalSamplesNote")
        self.samples_note.setWordWrap(True)
        self.samples_row = QWidget()
        stepper = QHBoxLayout()
        stepper.addWidget(self.previous_button)
        stepper.addWidget(self.sample_box, 1)
        stepper.addWidget(self.next_button)
        samples = QVBoxLayout(self.samples_row)
        samples.setContentsMargins(0, 0, 0, 0)
        samples.addLayout(stepper)
        samples.addWidget(self.samples_note)
        row = QHBoxLayout()
        row.addWidget(self.replay_button)
        row.addWidget(self.replay_status, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.samples_row)
        layout.addWidget(self.browser, 1)
        self.clear_cell()

    def toPlainText(self) -> str:  # named like the QTextBrowser it wraps
        """The shown text without markup (as ``QTextEdit.toPlainText``)."""
        return self.browser.toPlainText()

    def clear_cell(self) -> None:
        """Show the hint that nothing is selected."""
        self.cell = self.neighbour = self.replay = self.selection = None
        self.replaying = False
        self.replay_status.clear()
        self.samples_row.hide()
        self._render_empty()
        self._update_button()

    def show_selection(
        self, selection: CellSelection, index: int = 0, *, replaying: bool = False
    ) -> None:
        """Show sample ``index`` of ``selection`` (the selector lists every sample);
        ``replaying``: a replay of that sample is in flight. A cell without samples says
        why it has none (queued, or not run)."""
        if not selection.samples:
            self.clear_cell()
            self.selection = selection
            self._render_empty()
            return
        self.selection = selection
        self._fill_sample_box(index)
        cell = selection.samples[index]
        self.show_cell(cell, selection.neighbour_of(cell), replaying=replaying)

    def update_selection(self, selection: CellSelection) -> bool:
        """Take the shown cell's newer samples (repeats that finished since it was selected,
        during a live run) without leaving the sample shown; False (nothing done) when
        ``selection`` is not the shown cell's."""
        current = self.selection
        if current is None or self.cell is None or not current.same_cell(selection):
            return False
        merged = current.merged(selection)
        ids = [cell.id for cell in merged.samples]
        if self.cell.id not in ids:
            return False
        self.selection = merged
        index = ids.index(self.cell.id)
        self._fill_sample_box(index)
        cell = merged.samples[index]
        self.neighbour = merged.neighbour_of(cell)
        self._render(keep_scroll=True)
        return True

    def show_cell(
        self, cell: CellResult, neighbour: CellResult | None = None, *, replaying: bool = False
    ) -> None:
        """Show ``cell`` (and a diff against ``neighbour``'s output); ``replaying``: a replay
        of it is in flight (Replay stays disabled until it answers). A cell that is not one
        of the shown selection's samples becomes a selection of its own."""
        same = self.cell is not None and self.cell.id == cell.id
        if not same:
            # Another cell: its predecessor's replay (or the one still running) is not its own.
            self.replay, self.replaying = None, False
            self.replay_status.clear()
        selection = self.selection
        if selection is not None and any(s.id == cell.id for s in selection.samples):
            self.selection = selection.replaced(cell)  # its full record, say
        else:
            neighbours = () if neighbour is None else (neighbour,)
            self.selection = CellSelection((cell,), neighbours)
            self._fill_sample_box(0)
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

    def changeEvent(self, event: QEvent) -> None:
        """Draw the text again in the new palette's colours after a theme change."""
        super().changeEvent(event)
        changed = (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange)
        if event.type() in changed and getattr(self, "browser", None) is not None:
            if self.cell is None:
                self._render_empty()
            else:
                self._render(keep_scroll=True)
            if self.selection is not None and self.cell is not None:
                self._update_samples_note()

    def _fill_sample_box(self, index: int) -> None:
        selection = self.selection
        assert selection is not None
        self.sample_box.blockSignals(True)
        self.sample_box.clear()
        for cell in selection.samples:
            self.sample_box.addItem(sample_text(cell, selection.n_repeats))
        self.sample_box.setCurrentIndex(index)
        self.sample_box.blockSignals(False)
        self.samples_row.setVisible(selection.n_repeats > 1)
        self._update_samples_note()
        self._update_stepper()

    def _update_samples_note(self) -> None:
        selection = self.selection
        assert selection is not None
        colors = detail_colors(self.palette())
        colour = colors.error if selection.flaky else colors.muted
        self.samples_note.setText(
            f"<span style='color:{colour}'>{html.escape(flaky_note(selection))}</span>"
        )

    def _update_stepper(self) -> None:
        index, count = self.sample_box.currentIndex(), self.sample_box.count()
        self.previous_button.setEnabled(index > 0)
        self.next_button.setEnabled(0 <= index < count - 1)

    def _render_empty(self) -> None:
        muted = detail_colors(self.palette()).muted
        selection = self.selection
        if selection is not None and selection.pending:
            name = html.escape(selection.case_label)
            heading = f"<h3>{name}</h3>" if name else ""
            text = f"{heading}<p style='color:{muted}'>{html.escape(selection.pending)}</p>"
        else:
            text = f"<p style='color:{muted}'>{EMPTY_TEXT}</p>"
        self.browser.setHtml(text)

    def _render(self, *, keep_scroll: bool) -> None:
        assert self.cell is not None
        selection = self.selection
        scroll = self.browser.verticalScrollBar().value()
        self.browser.setHtml(
            cell_html(
                self.cell,
                self.neighbour,
                self.replay,
                case_label=selection.case_label if selection is not None else "",
                n_repeats=selection.n_repeats if selection is not None else 1,
                assertions=selection.assertions if selection is not None else None,
                colors=detail_colors(self.palette()),
            )
        )
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

    @Slot(int)
    def _on_sample_box_current_index_changed(self, index: int) -> None:
        selection = self.selection
        self._update_stepper()
        if selection is None or not 0 <= index < len(selection.samples):
            return
        cell = selection.samples[index]
        neighbour = selection.neighbour_of(cell)
        self.show_cell(cell, neighbour)
        self.sample_chosen.emit(cell, neighbour)

    @Slot()
    def _on_previous_button_clicked(self) -> None:
        self.sample_box.setCurrentIndex(max(0, self.sample_box.currentIndex() - 1))

    @Slot()
    def _on_next_button_clicked(self) -> None:
        last = self.sample_box.count() - 1
        self.sample_box.setCurrentIndex(min(last, self.sample_box.currentIndex() + 1))
