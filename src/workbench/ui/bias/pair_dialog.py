"""A variant pair opened: both exact prompts and every continuation's log-probabilities."""

from __future__ import annotations

import html
import math

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QPlainTextEdit,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from workbench.bias import VariantScore
from workbench.ui.bias.evidence import VariantPair


def continuations_html(score: VariantScore) -> str:
    """A table of ``score``'s continuations: text, role, log-probability, probability and the
    per-token log-probabilities."""
    rows = []
    for text, role, logprob, tokens in zip(
        score.continuations, score.roles, score.logprobs, score.token_logprobs, strict=True
    ):
        per_token = ", ".join(f"{t:.3f}" for t in tokens)
        rows.append(
            f"<tr><td><code>{html.escape(repr(text))}</code></td><td>{html.escape(role)}</td>"
            f"<td align='right'>{logprob:.4f}</td><td align='right'>{math.exp(logprob):.4f}</td>"
            f"<td><code>{per_token}</code></td></tr>"
        )
    return (
        "<table cellspacing='0' cellpadding='3' border='1' style='border-collapse:collapse'>"
        "<tr><th>Continuation</th><th>Role</th><th>log p</th><th>p</th><th>Tokens (log p)</th>"
        "</tr>" + "".join(rows) + "</table>"
    )


class PairDialog(QDialog):
    """Both variants of a pair side by side."""

    def __init__(self, pair: VariantPair, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("biasPairDialog")
        self.setWindowTitle(
            f"{pair.first.attribute}: {pair.first.group} vs {pair.second.group} "
            f"({pair.first.probe_id})"
        )
        self.resize(1100, 700)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        grid = QGridLayout()
        self.prompts: list[QPlainTextEdit] = []
        self.tables: list[QTextBrowser] = []
        for column, (score, value) in enumerate(
            ((pair.first, pair.first_value), (pair.second, pair.second_value))
        ):
            heading = QLabel(
                f"<b>{html.escape(score.group)}</b> — log-odds of '{html.escape(pair.role)}' "
                f"{value:+.3f} · {score.prompt_tokens} prompt tokens · key "
                f"<code>{html.escape(score.key)}</code>"
            )
            heading.setWordWrap(True)
            prompt = QPlainTextEdit(score.prompt)
            prompt.setReadOnly(True)
            prompt.setFont(mono)
            prompt.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
            table = QTextBrowser()
            table.setHtml(continuations_html(score))
            table.setMaximumHeight(180)
            grid.addWidget(heading, 0, column)
            grid.addWidget(prompt, 1, column)
            grid.addWidget(table, 2, column)
            self.prompts.append(prompt)
            self.tables.append(table)
        summary = QLabel(
            f"Difference in log-odds: <b>{pair.difference:.3f}</b> (the prompts differ only in "
            "the group; log-probabilities are the model's, exactly as stored)."
        )
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(summary)
        layout.addLayout(grid, 1)
        layout.addWidget(buttons)
