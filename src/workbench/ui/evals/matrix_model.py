"""The live matrix grid: rows are cases, columns are prompt version x model.

A plain :class:`QAbstractTableModel` over a dict of finished cells, so a view of 10,000 cells
creates no per-cell widgets and ``data()`` is a dictionary look-up. An empty index is a cell
still queued while the run executes ("…"), and a cell that was never run once it has stopped
(cancelled, failed): "not run", greyed. Cells arrive a few at a
time while a run executes (:meth:`MatrixModel.add_cells`); each emits ``dataChanged`` for its
index. A stored run of 100,000 cells is placed on a worker thread (:func:`build_matrix`, plain
Python) and swapped in at once (:meth:`MatrixModel.set_matrix`), so opening it costs the GUI
thread a model reset, not a pass over every cell.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QFont, QGuiApplication, QPalette

from workbench.evals import CellResult, EvalCase

Column = tuple[str, str]
Index = QModelIndex | QPersistentModelIndex
PREVIEW_CHARS = 80
PASS_COLOR = QColor("#cdebd3")
FAIL_COLOR = QColor("#f6cfcf")
ERROR_COLOR = QColor("#f3dfb5")
MIXED_COLOR = QColor("#f2ecc0")
#: A cell with samples never run (the run stopped before them): neither a pass nor flaky.
PARTIAL_COLOR = QColor("#e3e3e3")
#: The role that gives a cell's list of results (repeats) to views and tests.
CellsRole = Qt.ItemDataRole.UserRole + 1
QUEUED_TEXT = "…"
NOT_RUN_TEXT = "not run"
QUEUED_TIP = "Queued: this cell runs later in the run"
NOT_RUN_TIP = "Not run: the run stopped (cancelled or failed) before this cell; Resume runs it"


@dataclass(frozen=True)
class MatrixRow:
    """One case (a row of the grid)."""

    id: str
    label: str
    tags: tuple[str, ...] = ()


def rows_from_cases(cases: Iterable[EvalCase]) -> list[MatrixRow]:
    """The grid's rows for a suite's (or run snapshot's) cases."""
    return [MatrixRow(case.id, case.label, tuple(case.tags)) for case in cases]


def preview(text: str) -> str:
    """The first line of ``text``, cut to :data:`PREVIEW_CHARS`."""
    line = " ".join(text.split())
    return line if len(line) <= PREVIEW_CHARS else line[: PREVIEW_CHARS - 1] + "…"


@dataclass
class MatrixData:
    """What the grid shows: rows, columns and the finished cells in their places."""

    rows: list[MatrixRow]
    columns: list[Column]
    row_of: dict[str, int] = field(default_factory=dict)
    column_of: dict[Column, int] = field(default_factory=dict)
    cells: dict[tuple[int, int], list[CellResult]] = field(default_factory=dict)
    #: The rows with a sample that failed or errored ("Failures only" keeps them).
    failing_rows: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.row_of = {row.id: i for i, row in enumerate(self.rows)}
        self.column_of = {column: i for i, column in enumerate(self.columns)}

    def place(self, cell: CellResult) -> tuple[int, int] | None:
        """Put ``cell`` in its place (replacing an earlier result of the same cell); return
        the place, or None when the cell's case or column is not in the grid."""
        row = self.row_of.get(cell.case_id)
        column = self.column_of.get(cell.column)
        if row is None or column is None:
            return None
        bucket = self.cells.get((row, column))
        if bucket is None:  # the common case: the first sample of the cell
            self.cells[(row, column)] = [cell]
        else:
            bucket[:] = [c for c in bucket if c.key != cell.key]
            bucket.append(cell)
            bucket.sort(key=lambda c: c.repeat)
        if not_passing(cell):
            self.failing_rows.add(row)
        elif row in self.failing_rows and bucket is not None:
            # A sample replaced by one that passes (a resumed or replayed cell, say): the
            # row stays only while another of its samples fails or errored.
            self._recheck_row(row)
        return row, column

    def _recheck_row(self, row: int) -> None:
        for column in range(len(self.columns)):
            if any(not_passing(cell) for cell in self.cells.get((row, column), ())):
                return
        self.failing_rows.discard(row)


def not_passing(cell: CellResult) -> bool:
    """Whether ``cell`` failed or errored (an errored cell was never evaluated)."""
    return cell.status == "error" or not cell.passed


def build_matrix(
    rows: Sequence[MatrixRow], columns: Sequence[Column], cells: Iterable[CellResult] = ()
) -> MatrixData:
    """The grid's data with ``cells`` placed: plain Python, safe on a worker thread."""
    data = MatrixData(list(rows), list(columns))
    for cell in cells:
        data.place(cell)
    return data


class MatrixModel(QAbstractTableModel):
    """Finished cells by (case, column); empty indexes are cells still to run."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._data = MatrixData([], [])
        #: Whether the run shown is executing: its empty cells are queued, else never run.
        self.executing = True
        #: The samples each cell takes (the run's repeat count): a cell with fewer is partly
        #: run, its other samples queued or, once the run stopped, never run.
        self.repeats = 1
        self._italic = QFont()
        self._italic.setItalic(True)

    def set_executing(self, on: bool) -> None:
        """Say whether the run shown is executing (its empty cells are queued) or has stopped
        (they were never run)."""
        if on == self.executing:
            return
        self.executing = on
        if self.rowCount() and self.columnCount():
            last = self.index(self.rowCount() - 1, self.columnCount() - 1)
            self.dataChanged.emit(self.index(0, 0), last)

    def set_repeats(self, repeats: int) -> None:
        """Say how many samples each cell takes (the shown run's repeat count)."""
        self.repeats = max(1, repeats)
        if self.rowCount() and self.columnCount():
            last = self.index(self.rowCount() - 1, self.columnCount() - 1)
            self.dataChanged.emit(self.index(0, 0), last)

    # -- filling ---------------------------------------------------------------------------
    def set_layout(self, rows: Sequence[MatrixRow], columns: Sequence[Column]) -> None:
        """Start over with these cases and columns, no cell finished."""
        self.set_matrix(build_matrix(rows, columns))

    def set_matrix(self, data: MatrixData) -> None:
        """Show ``data`` (from :func:`build_matrix`), replacing everything shown."""
        self.beginResetModel()
        self._data = data
        self.endResetModel()

    def add_cells(self, cells: Iterable[CellResult]) -> int:
        """Put finished cells in their places; returns how many found a place."""
        touched: set[tuple[int, int]] = set()
        placed = 0
        for cell in cells:
            place = self._data.place(cell)
            if place is not None:
                touched.add(place)
                placed += 1
        if len(touched) > 64:
            last = self.index(self.rowCount() - 1, self.columnCount() - 1)
            self.dataChanged.emit(self.index(0, 0), last)
        else:
            for row, column in touched:
                index = self.index(row, column)
                self.dataChanged.emit(index, index)
        return placed

    # -- reading ---------------------------------------------------------------------------
    @property
    def columns(self) -> list[Column]:
        """The columns, (prompt id, model id), in order."""
        return list(self._data.columns)

    @property
    def matrix_rows(self) -> list[MatrixRow]:
        """The rows, in order."""
        return list(self._data.rows)

    @property
    def n_finished(self) -> int:
        """Finished cell results (repeats counted)."""
        return sum(len(bucket) for bucket in self._data.cells.values())

    def all_cells(self) -> list[CellResult]:
        """Every finished cell."""
        return [cell for bucket in self._data.cells.values() for cell in bucket]

    def cells_at(self, index: Index) -> list[CellResult]:
        """The results (one per repeat) at ``index``; empty while it has not run."""
        return list(self._data.cells.get((index.row(), index.column()), ()))

    def row_failed(self, row: int) -> bool:
        """Whether any finished cell of this row failed or errored."""
        return row in self._data.failing_rows

    def row_label(self, row: int) -> str:
        """The name of this row's case (its description, else its id)."""
        return self._data.rows[row].label

    def row_id(self, row: int) -> str:
        """The case id of this row."""
        return self._data.rows[row].id

    def row_labels(self) -> Iterator[str]:
        """Every row's label, in order (without copying the rows)."""
        return (row.label for row in self._data.rows)

    def row_tags(self, row: int) -> tuple[str, ...]:
        """The tags of this row's case."""
        return self._data.rows[row].tags

    def neighbour_column(self, index: Index) -> int | None:
        """The column the word diff compares with: the one to the left (or, for the first, to
        the right); None when there is only one."""
        column = index.column() - 1 if index.column() > 0 else index.column() + 1
        return column if 0 <= column < len(self._data.columns) else None

    def neighbour(self, index: Index) -> list[CellResult]:
        """The results in the column to the left (or, for the first, to the right)."""
        column = self.neighbour_column(index)
        if column is None:
            return []
        return list(self._data.cells.get((index.row(), column), ()))

    # -- QAbstractTableModel ---------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._data.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._data.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        cells = self._data.cells.get((index.row(), index.column()))
        if role == CellsRole:
            return list(cells or ())
        if not cells:
            if role == Qt.ItemDataRole.DisplayRole:
                return QUEUED_TEXT if self.executing else NOT_RUN_TEXT
            if role == Qt.ItemDataRole.ForegroundRole:
                palette = QGuiApplication.palette()
                return QBrush(palette.color(QPalette.ColorRole.PlaceholderText))
            if role == Qt.ItemDataRole.ToolTipRole:
                return QUEUED_TIP if self.executing else NOT_RUN_TIP
            if role == Qt.ItemDataRole.FontRole and not self.executing:
                return self._italic
            return None
        missing = max(0, self.repeats - len(cells))
        if role == Qt.ItemDataRole.DisplayRole:
            return _display(cells, missing, self.executing)
        if role == Qt.ItemDataRole.BackgroundRole:
            return QBrush(PARTIAL_COLOR if missing and not self.executing else _color(cells))
        if role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(QColor("#1a1a1a"))
        if role == Qt.ItemDataRole.ToolTipRole:
            return _tooltip(cells, missing, self.executing)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        tip = role == Qt.ItemDataRole.ToolTipRole
        if orientation == Qt.Orientation.Horizontal:
            if 0 <= section < len(self._data.columns):
                prompt_id, model_id = self._data.columns[section]
                return f"{prompt_id} × {model_id}" if tip else f"{prompt_id}\n{model_id}"
            return None
        if 0 <= section < len(self._data.rows):
            row = self._data.rows[section]
            if tip:  # the full name (the header may elide it), the id and the tags
                tags = f" [{', '.join(row.tags)}]" if row.tags else ""
                case = f"\ncase {row.id}" if row.label != row.id else ""
                return f"{row.label}{case}{tags}"
            return row.label
        return None


def _display(cells: Sequence[CellResult], missing: int = 0, executing: bool = False) -> str:
    """``✓ output``, ``✗ output``, ``⚠ error``; with repeats ``2/3 output`` (passes of the
    samples), ``⚠ 1 · 2/3 output`` when some errored (those were not evaluated). A cell
    with ``missing`` samples still to run says so: ``1/1 · … output`` while the run executes,
    ``1/1 · 2 not run output`` once it stopped (a partly run cell is not a finished one)."""
    ok = [c for c in cells if c.status != "error"]
    rest = ""
    if missing:
        rest = f"{QUEUED_TEXT} " if executing else f"{missing} {NOT_RUN_TEXT} "
    if not ok:  # every sample errored: the error is what there is to read
        cell = cells[0]
        count = f"{len(cells)} · " if missing else ""
        return f"⚠ {count}{rest}{preview(cell.error or cell.reason)}"
    if len(cells) == 1 and not missing:
        cell = cells[0]
        return f"{'✓' if cell.passed else '✗'} {preview(cell.output)}"
    passes = sum(c.passed for c in ok)
    errors = len(cells) - len(ok)
    flag = f"⚠ {errors} · " if errors else ""
    done = f"{passes}/{len(ok)}" + (" · " if missing else " ")
    return f"{flag}{done}{rest}{preview(ok[0].output)}"


def _sample_tip(cell: CellResult) -> str:
    if cell.status == "error":
        return f"Error (not evaluated): {(cell.error or cell.reason)[:1000]}"
    return f"{cell.reason}\n\n{cell.output[:1000]}"


def _tooltip(cells: Sequence[CellResult], missing: int = 0, executing: bool = False) -> str:
    unrun = ""
    if missing:
        total = len(cells) + missing
        unrun = (
            f"{missing} of {total} samples still queued. "
            if executing
            else f"Partly run: {missing} of {total} samples not run (the run stopped before "
            "them; Resume runs them). "
        )
    if len(cells) == 1:
        return f"{unrun}{_sample_tip(cells[0])}" if unrun else _sample_tip(cells[0])
    ok = [c for c in cells if c.status != "error"]
    passes = sum(c.passed for c in ok)
    errors = len(cells) - len(ok)
    flaky = " (flaky: the samples disagree)" if 0 < passes < len(ok) else ""
    errored = f"; {errors} errored (not evaluated)" if errors else ""
    evaluated = " evaluated" if errors else ""
    return (
        f"{unrun}{passes} of {len(ok)}{evaluated} samples passed{flaky}{errored}. Repeat 1:\n"
        f"{_sample_tip(cells[0])}"
    )


def _color(cells: Sequence[CellResult]) -> QColor:
    if any(c.status == "error" for c in cells):
        return ERROR_COLOR
    passes = sum(c.passed for c in cells)
    if passes == len(cells):
        return PASS_COLOR
    return FAIL_COLOR if passes == 0 else MIXED_COLOR


class MatrixFilter(QSortFilterProxyModel):
    """Hides rows: those without a failing or errored cell (``failures_only``) or without
    ``tag``."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._failures_only = False
        self._tag = ""
        self._regressed: frozenset[str] | None = None

    def set_failures_only(self, on: bool) -> None:
        """Show only cases with a failing or errored cell."""
        self.beginFilterChange()
        self._failures_only = on
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_tag(self, tag: str) -> None:
        """Show only cases with this tag ("" for all)."""
        self.beginFilterChange()
        self._tag = tag
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    @property
    def regressed(self) -> frozenset[str] | None:
        """The cases kept by the regressions filter; None: it keeps all."""
        return self._regressed

    def set_regressed(self, case_ids: frozenset[str] | None) -> None:
        """Show only these cases (those that regressed against a baseline run); None: all."""
        self.beginFilterChange()
        self._regressed = case_ids
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        model = self.sourceModel()
        if not isinstance(model, MatrixModel):
            return True
        if self._failures_only and not model.row_failed(source_row):
            return False
        if self._regressed is not None and model.row_id(source_row) not in self._regressed:
            return False
        return not self._tag or self._tag in model.row_tags(source_row)
