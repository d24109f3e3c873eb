"""Paired comparisons between columns and flaky cells, under the per-column statistics.

Two columns that differ in one thing (the prompt or the model) are compared on the cases both
have with McNemar's exact test; the table reads it as a sentence ("B is better", "B is worse",
"no detectable difference") with the counts behind it, so nobody has to reason from p-values.
With repeats, cells whose samples disagree are listed as flaky. The table's columns fit its
width (:mod:`workbench.ui.evals.column_fit`): names and verdicts are elided before anything
scrolls off the edge, and their tooltips hold them whole.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QLabel, QTableView, QVBoxLayout, QWidget

from workbench.evals import FlakyCell, PairedComparison
from workbench.ui.evals.column_fit import ColumnFitter

Column = tuple[str, str]
HEADERS = ("A", "B", "Verdict", "Cases", "Only A", "Only B", "p")
HEADER_TIPS = (
    "Column A",
    "Column B, compared with A",
    "What the test says about B against A at the 5% level",
    "Cases both columns have",
    "Cases only A passed",
    "Cases only B passed",
    "p-value of McNemar's exact test",
)
VERDICT_COLOURS = {"better": "#1b7f3b", "worse": "#b3261e"}
MAX_FLAKY_LISTED = 12


def column_label(column: Column) -> str:
    """``prompt × model``, as the grid's headers name a column."""
    return f"{column[0]} × {column[1]}"


def short_labels(columns: Sequence[Column]) -> dict[Column, str]:
    """Names for columns that say only what differs: the prompt when every column has the
    same model, the model when every column has the same prompt, else ``prompt × model``.
    Full labels side by side made the tables scroll and the chart's axis drop its labels."""
    prompts = {prompt for prompt, _ in columns}
    models = {model for _, model in columns}
    if len(models) == 1 and len(columns) > 1:
        return {column: column[0] for column in columns}
    if len(prompts) == 1 and len(columns) > 1:
        return {column: column[1] for column in columns}
    return {column: column_label(column) for column in columns}


def comparison_row(
    comparison: PairedComparison, labels: dict[Column, str] | None = None
) -> list[str]:
    """The table's texts for one comparison (columns named by ``labels`` when given)."""
    labels = labels or {}
    return [
        labels.get(comparison.a, column_label(comparison.a)),
        labels.get(comparison.b, column_label(comparison.b)),
        comparison.sentence,
        str(comparison.n_pairs),
        str(comparison.only_a),
        str(comparison.only_b),
        f"{comparison.p_value:.3g}",
    ]


def _outputs(distinct: int) -> str:
    """``2 different outputs``; ``the same output`` (a judge can disagree with itself)."""
    return "the same output" if distinct == 1 else f"{distinct} different outputs"


def flaky_text(flaky: Sequence[FlakyCell], case_labels: Mapping[str, str] | None = None) -> str:
    """One line per flaky cell (the first few), or that there are none: the case named by
    ``case_labels`` (its description, as the grid's rows name it; else its id)."""
    if not flaky:
        return "No flaky cells: every cell's samples agree (or the run has one sample per cell)."
    case_labels = case_labels or {}
    lines = [
        html.escape(
            f"{case_labels.get(cell.case_id, cell.case_id)} · {cell.prompt_id} × "
            f"{cell.model_id}: passed {cell.passes} of {cell.samples} samples, "
            f"{_outputs(cell.distinct_outputs)}"
        )
        for cell in flaky[:MAX_FLAKY_LISTED]
    ]
    more = len(flaky) - MAX_FLAKY_LISTED
    if more > 0:
        lines.append(f"… and {more} more")
    return f"<b>Flaky cells ({len(flaky)})</b><br>" + "<br>".join(lines)


def flaky_tip(flaky: Sequence[FlakyCell], case_labels: Mapping[str, str] | None = None) -> str:
    """The ids of the listed flaky cells' cases (the list names them by description)."""
    case_labels = case_labels or {}
    lines = []
    for cell in flaky[:MAX_FLAKY_LISTED]:
        label = case_labels.get(cell.case_id, cell.case_id)
        named = f"{label}: " if label != cell.case_id else ""
        lines.append(f"{named}case {cell.case_id} ({cell.prompt_id} × {cell.model_id})")
    return "\n".join(lines)


class ComparisonsView(QWidget):
    """The paired comparisons table and the flaky cells."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = QStandardItemModel(0, len(HEADERS), self)
        self.model.setHorizontalHeaderLabels(list(HEADERS))
        for section, tip in enumerate(HEADER_TIPS):
            self.model.setHeaderData(
                section, Qt.Orientation.Horizontal, tip, Qt.ItemDataRole.ToolTipRole
            )
        self.table = QTableView()
        self.table.setObjectName("evalComparisonsTable")
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.fitter = ColumnFitter(self.table, shrinkable=(0, 1, 2))
        self.table.setToolTip(
            "Columns that differ in one thing, compared on the cases both have: McNemar's exact "
            "test on pass/fail at the 5% level."
        )
        self.empty = QLabel(
            "Comparisons appear when the run has two columns sharing a prompt or a model."
        )
        self.empty.setWordWrap(True)
        self.flaky = QLabel()
        self.flaky.setObjectName("evalFlakyCells")
        self.flaky.setWordWrap(True)
        self.flaky.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("<b>Paired comparisons</b>"))
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.flaky)

    def set_results(
        self,
        comparisons: Sequence[PairedComparison],
        flaky: Sequence[FlakyCell],
        labels: dict[Column, str] | None = None,
        case_labels: Mapping[str, str] | None = None,
    ) -> None:
        """Show these comparisons and flaky cells (columns named by ``labels``, cases by
        ``case_labels``)."""
        self.model.setRowCount(0)
        for comparison in comparisons:
            items = [QStandardItem(text) for text in comparison_row(comparison, labels)]
            for item in items:
                item.setEditable(False)
            items[0].setToolTip(column_label(comparison.a))
            items[1].setToolTip(column_label(comparison.b))
            items[2].setToolTip(
                f"{comparison.sentence}: B passed {comparison.only_b} cases A failed, A passed "
                f"{comparison.only_a} B failed (p = {comparison.p_value:.3g})"
            )
            for item in items[3:]:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            colour = VERDICT_COLOURS.get(comparison.verdict)
            if colour is not None:
                items[2].setForeground(QBrush(QColor(colour)))
            self.model.appendRow(items)
        self.empty.setVisible(not comparisons)
        self.table.setVisible(bool(comparisons))
        self.flaky.setText(flaky_text(flaky, case_labels))
        self.flaky.setToolTip(flaky_tip(flaky, case_labels))
