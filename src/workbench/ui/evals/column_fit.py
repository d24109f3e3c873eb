"""Tables whose columns fit the width there is: every column gets what its text and header
need, and when that is more than the view has, the widest of the shrinkable columns (names,
sentences) give up width first, down to a minimum, their text elided (tooltips hold it whole).
Only when even that does not fit does the table scroll sideways."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from PySide6.QtCore import QEvent, QObject, Slot
from PySide6.QtWidgets import QHeaderView, QTableView

#: A shrunk column keeps at least this many pixels.
MIN_SHRUNK_WIDTH = 60


def share_width(
    natural: Sequence[int], available: int, shrinkable: Iterable[int], minimum: int
) -> list[int]:
    """Column widths from their ``natural`` ones that fit ``available`` pixels: the columns
    in ``shrinkable`` are capped at one width (the widest lose most), never below ``minimum``
    (nor below their natural width when that is smaller); the others keep theirs."""
    widths = list(natural)
    if sum(widths) <= available:
        return widths
    movable = [i for i in set(shrinkable) if 0 <= i < len(widths)]
    fixed = sum(w for i, w in enumerate(widths) if i not in movable)
    room = available - fixed
    if not movable:
        return widths
    low, high = minimum, max(widths[i] for i in movable)
    while low < high:  # the largest cap whose capped widths fit the room
        cap = (low + high + 1) // 2
        if sum(min(widths[i], cap) for i in movable) <= room:
            low = cap
        else:
            high = cap - 1
    for i in movable:
        widths[i] = min(widths[i], low)
    return widths


class ColumnFitter(QObject):
    """Keeps ``table``'s columns fitted to its width (see :func:`share_width`): when the
    table is resized and when its model's rows change."""

    def __init__(
        self, table: QTableView, shrinkable: Sequence[int], minimum: int = MIN_SHRUNK_WIDTH
    ) -> None:
        super().__init__(table)
        self.table = table
        self.shrinkable = tuple(shrinkable)
        self.minimum = minimum
        table.setWordWrap(False)  # a shrunk column elides its text ("…") rather than wrap it
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setMinimumSectionSize(24)
        self._viewport = table.viewport()  # compared by identity: no call into a dying table
        self._viewport.installEventFilter(self)
        model = table.model()
        for signal in (model.modelReset, model.rowsInserted, model.rowsRemoved, model.dataChanged):
            signal.connect(self.fit)

    def natural_widths(self) -> list[int]:
        """What each column's cells and header need."""
        table, header = self.table, self.table.horizontalHeader()
        return [
            max(table.sizeHintForColumn(column), header.sectionSizeHint(column))
            for column in range(header.count())
        ]

    @Slot()
    def fit(self) -> None:
        """Size the columns to the table's width now."""
        header = self.table.horizontalHeader()
        widths = share_width(
            self.natural_widths(), self.table.viewport().width(), self.shrinkable, self.minimum
        )
        for column, width in enumerate(widths):
            header.resizeSection(column, width)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Fit again when the table's viewport changes size."""
        if watched is self._viewport and event.type() == QEvent.Type.Resize:
            self.fit()
        return super().eventFilter(watched, event)
