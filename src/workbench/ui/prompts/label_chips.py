"""Labels drawn as small rounded chips in a table cell (the history's Labels column)."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

_PADDING, _GAP = 6, 4
#: Translucent, so they read on light and dark rows, selected or not.
_CHIP_COLORS = {"production": QColor(46, 160, 67, 95), "prod": QColor(46, 160, 67, 95)}
_DEFAULT_CHIP = QColor(47, 125, 209, 80)


def chip_color(label: str) -> QColor:
    """The chip colour of ``label`` (production-like labels are green, the rest blue)."""
    return _CHIP_COLORS.get(label.lower(), _DEFAULT_CHIP)


def split_labels(text: object) -> list[str]:
    """The labels of a cell whose text is ``"a, b"``."""
    return [part for part in str(text or "").split(", ") if part]


class LabelChipsDelegate(QStyledItemDelegate):
    """Paints a cell's comma-separated labels as chips."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        """Draw the cell background, then one chip per label."""
        item = QStyleOptionViewItem(option)
        self.initStyleOption(item, index)
        labels = split_labels(item.text)
        item.text = ""
        widget = item.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, item, painter, widget)
        selected = bool(item.state & QStyle.StateFlag.State_Selected)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        metrics = QFontMetrics(item.font)
        height = metrics.height() + 2
        x = float(item.rect.x() + _GAP)
        y = item.rect.y() + (item.rect.height() - height) / 2
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setFont(item.font)
        for label in labels:
            rect = QRectF(x, y, metrics.horizontalAdvance(label) + 2 * _PADDING, height)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(chip_color(label))
            painter.drawRoundedRect(rect, height / 2, height / 2)
            painter.setPen(item.palette.color(role))
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, label)
            x = rect.right() + _GAP
        painter.restore()

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        """Wide enough for every chip."""
        base = super().sizeHint(option, index)
        metrics = QFontMetrics(option.font)
        labels = split_labels(index.data())
        width = sum(metrics.horizontalAdvance(label) + 2 * _PADDING + _GAP for label in labels)
        return QSize(max(width + _GAP, metrics.horizontalAdvance("Labels") + 16), base.height())
