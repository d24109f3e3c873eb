"""The prompt list: a search box over a filtered list, each prompt on two lines (its name; its
version count and labels), and buttons for the list's actions."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    QSortFilterProxyModel,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import QAction, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHBoxLayout,
    QLineEdit,
    QListView,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from workbench.prompts import Prompt
from workbench.ui.prompts.item_models import PROMPT_ROLE, SEARCH_ROLE, PromptListModel


def prompt_details(prompt: Prompt) -> str:
    """The second line of a prompt in the list: ``3 versions · production v2``."""
    count = f"{prompt.latest_version} version{'s' if prompt.latest_version != 1 else ''}"
    labels = [f"{label} v{version}" for label, version in prompt.labels.items()]
    return " · ".join([count, *labels])


class PromptItemDelegate(QStyledItemDelegate):
    """Paints a prompt as its name over a muted line of details."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        """Draw the item background, then the two lines."""
        item = QStyleOptionViewItem(option)
        self.initStyleOption(item, index)
        item.text = ""
        widget = item.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, item, painter, widget)
        prompt = index.data(PROMPT_ROLE)
        if not isinstance(prompt, Prompt):
            return
        palette: QPalette = item.palette
        selected = bool(item.state & QStyle.StateFlag.State_Selected)
        main = palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        )
        muted = main if selected else palette.color(QPalette.ColorRole.PlaceholderText)
        rect = item.rect.adjusted(8, 4, -8, -4)
        base_font: QFont = item.font
        name_font = QFont(base_font)
        name_font.setWeight(QFont.Weight.DemiBold)
        name_metrics, detail_metrics = QFontMetrics(name_font), QFontMetrics(base_font)
        elide = Qt.TextElideMode.ElideRight
        painter.save()
        painter.setFont(name_font)
        painter.setPen(main)
        top = rect.y() + name_metrics.ascent()
        painter.drawText(rect.x(), top, name_metrics.elidedText(prompt.name, elide, rect.width()))
        painter.setFont(base_font)
        painter.setPen(muted)
        details = detail_metrics.elidedText(prompt_details(prompt), elide, rect.width())
        painter.drawText(
            rect.x(), top + name_metrics.descent() + detail_metrics.ascent() + 2, details
        )
        painter.restore()

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        """Two lines and some air."""
        metrics = QFontMetrics(option.font)
        return QSize(160, 2 * metrics.height() + 12)


class PromptListPanel(QWidget):
    """Search box, prompt list, action buttons; emits ``prompt_chosen`` when the user picks
    another prompt (not when :meth:`select` moves the selection)."""

    prompt_chosen = Signal(str)

    def __init__(self, actions: Sequence[QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._selecting = False
        self.model = PromptListModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterRole(SEARCH_ROLE)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.search = QLineEdit()
        self.search.setObjectName("promptSearch")
        self.search.setPlaceholderText("Search prompts… (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.proxy.setFilterFixedString)
        self.view = QListView()
        self.view.setObjectName("promptList")
        self.view.setModel(self.proxy)
        self.view.setItemDelegate(PromptItemDelegate(self.view))
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setUniformItemSizes(True)
        self.view.selectionModel().currentChanged.connect(self._on_view_current_changed)
        buttons = QHBoxLayout()
        for action in actions:
            button = QPushButton(action.icon(), action.text())
            button.setToolTip(action.toolTip())
            button.clicked.connect(action.trigger)
            action.enabledChanged.connect(button.setEnabled)
            buttons.addWidget(button)
        self.setMinimumWidth(180)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)

    def select(self, name: str | None) -> None:
        """Show ``name`` as the current prompt (None: no prompt) without emitting."""
        self._selecting = True
        try:
            row = self.model.row_of(name)
            index = self.proxy.mapFromSource(self.model.index(row)) if row >= 0 else None
            if index is not None and index.isValid():
                self.view.setCurrentIndex(index)
            else:
                self.view.selectionModel().clearCurrentIndex()
                self.view.clearSelection()
        finally:
            self._selecting = False

    @Slot()
    def focus_search(self) -> None:
        """Put the cursor in the search box, its text selected."""
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    @Slot(QModelIndex, QModelIndex)
    def _on_view_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not self._selecting and current.isValid():
            self.prompt_chosen.emit(current.data())
