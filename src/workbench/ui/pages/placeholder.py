"""Pages for the areas later issues fill in: each says what will come there."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from workbench.ui.icons import icon

if TYPE_CHECKING:
    from workbench.ui.context import AppContext


@dataclass(frozen=True)
class Placeholder:
    """What an area will hold."""

    key: str
    title: str
    summary: str
    coming: tuple[str, ...]


PLACEHOLDERS = (
    Placeholder(
        "prompts",
        "Prompts",
        "Prompts with immutable versions, variables and labels",
        (
            "Prompts with immutable, numbered versions and Jinja variables",
            "Labels such as production and staging that move between versions",
            "A diff between any two versions",
            "Try a version in the playground with one click",
        ),
    ),
    Placeholder(
        "evaluations",
        "Evaluations",
        "Suites of test cases run as a matrix of prompts x models",
        (
            "Suites of cases with assertions (contains, regex, JSON schema, similarity, ...)",
            "A matrix runner over prompt versions x models x cases, resumable",
            "Side-by-side results with pass rates, scores and statistics",
            "Comparing two runs case by case",
        ),
    ),
    Placeholder(
        "bias",
        "Bias",
        "Bias tests over probe sets with demographic slots",
        (
            "Probe sets with demographic slots filled from term lists",
            "Log-probability and generation-based metrics with confidence intervals",
            "Significance tests and thresholds a compliance officer sets",
            "Findings recorded straight into governance",
        ),
    ),
    Placeholder(
        "governance",
        "Governance",
        "The audit log, findings, risk register and sign-offs",
        (
            "The tamper-evident audit log of every change, with chain verification",
            "Findings and a risk register tied to models, prompts and runs",
            "Sign-offs that record who approved what, against which evidence",
        ),
    ),
    Placeholder(
        "reports",
        "Reports",
        "Signed HTML, PDF and JSON report bundles",
        (
            "HTML, PDF and JSON reports whose every figure traces back to stored results",
            "Bundles signed with Ed25519 and verifiable offline with openssl and sha256sum",
            "Opening and verifying a bundle someone else exported",
        ),
    ),
)


class PlaceholderPage(QWidget):
    """A page that names what will come to this area."""

    def __init__(self, placeholder: Placeholder, context: AppContext | None = None) -> None:
        super().__init__()
        self.setObjectName(f"{placeholder.key}Page")
        self.placeholder = placeholder
        picture = QLabel()
        picture.setPixmap(icon(placeholder.key).pixmap(QSize(56, 56)))
        picture.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        title = QLabel(placeholder.title)
        title.setObjectName("pageTitle")
        title.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        items = "".join(f"<li style='margin-bottom:4px'>{line}</li>" for line in placeholder.coming)
        body = QLabel(
            f"<p>{placeholder.summary}. This area is not built yet; it will bring:</p>"
            f"<ul>{items}</ul>"
        )
        body.setObjectName("placeholderText")
        body.setWordWrap(True)
        body.setFixedWidth(540)  # a fixed width lets the wrapped text report its true height
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(body)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        layout.addWidget(picture)
        layout.addWidget(title)
        layout.addSpacing(8)
        layout.addLayout(row)
        layout.addStretch(3)
