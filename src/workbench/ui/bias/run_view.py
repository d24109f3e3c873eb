"""The open run, on the right of the Bias page: a header, then its verdicts, forest plots,
per-group rates and the variant pairs that differ most (each openable to see both prompts)."""

from __future__ import annotations

import html

from PySide6.QtCore import QModelIndex, Qt, Slot
from PySide6.QtWidgets import QHeaderView, QLabel, QTabWidget, QVBoxLayout, QWidget

from workbench.ui.bias.forest_plot import ForestPlots
from workbench.ui.bias.group_charts import GroupCharts
from workbench.ui.bias.item_models import PairsTableModel, VerdictTableModel
from workbench.ui.bias.pair_dialog import PairDialog
from workbench.ui.bias.runs_panel import make_table, run_header_html
from workbench.ui.bias.tasks import RunDetails

VERDICTS_TAB, FOREST_TAB, GROUPS_TAB, PAIRS_TAB = range(4)


class RunView(QWidget):
    """One run's verdicts and evidence."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.header = QLabel("No run open. Set up a run on the left, or open an earlier one.")
        self.header.setObjectName("biasRunHeader")
        self.header.setWordWrap(True)
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.verdict_model = VerdictTableModel(self)
        self.verdict_view = make_table("biasVerdicts")
        self.verdict_view.setModel(self.verdict_model)
        self.verdict_view.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.verdict_view.horizontalHeader().setStretchLastSection(True)
        self.verdict_view.selectionModel().currentRowChanged.connect(
            self._on_verdict_view_current_changed
        )
        self.reason = QLabel()
        self.reason.setWordWrap(True)
        self.reason.setObjectName("hint")
        verdicts = QWidget()
        verdicts_layout = QVBoxLayout(verdicts)
        verdicts_layout.addWidget(self.verdict_view, 1)
        verdicts_layout.addWidget(self.reason)
        self.forest = ForestPlots()
        self.pairs_model = PairsTableModel(self)
        self.pairs_view = make_table("biasPairs")
        self.pairs_view.setModel(self.pairs_model)
        self.pairs_view.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.pairs_view.horizontalHeader().setStretchLastSection(True)
        self.pairs_view.activated.connect(self._on_pairs_view_activated)
        pairs = QWidget()
        pairs_layout = QVBoxLayout(pairs)
        pairs_hint = QLabel(
            "Variants of one scenario that differ only in the group, largest difference in "
            "log-odds first. Double-click (or Enter) to see both exact prompts."
        )
        pairs_hint.setWordWrap(True)
        pairs_layout.addWidget(pairs_hint)
        pairs_layout.addWidget(self.pairs_view, 1)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("biasTabs")
        self.tabs.insertTab(VERDICTS_TAB, verdicts, "Verdicts")
        self.tabs.insertTab(FOREST_TAB, self.forest, "Forest plot")
        self.groups = GroupCharts()
        self.tabs.insertTab(GROUPS_TAB, self.groups, "Groups")
        self.tabs.insertTab(PAIRS_TAB, pairs, "Largest differences")
        right_layout = QVBoxLayout()
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.header)
        right_layout.addWidget(self.tabs, 1)

        self.setLayout(right_layout)

    def show_details(self, details: RunDetails) -> None:
        """Show ``details``: header, verdicts, plots, rates, pairs."""
        self.verdict_model.set_results(details.metrics)
        self.forest.set_results(details.metrics)
        self.groups.set_evidence(details.rates, details.grids)
        self.pairs_model.set_pairs(details.pairs)
        self.reason.clear()
        self.header.setText(run_header_html(details.run))

    def open_pair(self, row: int) -> PairDialog:
        """Open the pair on ``row`` in a dialog (returned for tests)."""
        dialog = PairDialog(self.pairs_model.pair(row), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    @Slot(QModelIndex, QModelIndex)
    def _on_verdict_view_current_changed(self, current: QModelIndex, _: QModelIndex) -> None:
        if current.isValid():
            result = self.verdict_model.result(current.row())
            self.reason.setText(f"<b>{result.verdict.value}</b>: {html.escape(result.reason)}")

    @Slot(QModelIndex)
    def _on_pairs_view_activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_pair(index.row())
