"""Sampling controls for one lane: temperature, top_p, top_k, max tokens, seed, stop sequences."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QDoubleSpinBox, QFormLayout, QLineEdit, QSpinBox, QWidget

from workbench.engine.messages import SamplingSettings

MAX_SEED = 2**31 - 1
DEFAULT_MAX_TOKENS = 512


def parse_stops(text: str) -> tuple[str, ...]:
    """Stop sequences from the field: separated by ' | ', with \\n meaning a newline."""
    parts = [part.strip() for part in text.split(" | ")] if " | " in text else [text.strip()]
    return tuple(p.replace("\\n", "\n") for p in parts if p)


def format_stops(stops: tuple[str, ...] | list[str]) -> str:
    """The field's text for ``stops``."""
    return " | ".join(s.replace("\n", "\\n") for s in stops)


class SamplingPanel(QWidget):
    """Edits a :class:`SamplingSettings`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        defaults = SamplingSettings()
        self.temperature = QDoubleSpinBox()
        self.temperature.setRange(0.0, 2.0)
        self.temperature.setSingleStep(0.1)
        self.temperature.setDecimals(2)
        self.temperature.setValue(0.7)
        self.temperature.setToolTip("Randomness: 0 always picks the most likely token (greedy)")
        self.top_p = QDoubleSpinBox()
        self.top_p.setRange(0.0, 1.0)
        self.top_p.setSingleStep(0.05)
        self.top_p.setDecimals(2)
        self.top_p.setValue(defaults.top_p)
        self.top_p.setToolTip(
            "Nucleus sampling: sample from the smallest set of tokens whose probability "
            "adds up to this"
        )
        self.top_k = QSpinBox()
        self.top_k.setRange(0, 1000)
        self.top_k.setValue(defaults.top_k)
        self.top_k.setSpecialValueText("Off")
        self.top_k.setToolTip("Sample only from the k most likely tokens (Off: no limit)")
        self.max_tokens = QSpinBox()
        self.max_tokens.setRange(1, 131_072)
        self.max_tokens.setValue(DEFAULT_MAX_TOKENS)
        self.max_tokens.setToolTip("The longest reply, in tokens")
        self.seed = QSpinBox()
        self.seed.setRange(0, MAX_SEED)
        self.seed.setValue(defaults.seed)
        self.seed.setToolTip("Sampling seed: the same seed and settings give the same reply")
        self.repeat_penalty = QDoubleSpinBox()
        self.repeat_penalty.setRange(1.0, 2.0)
        self.repeat_penalty.setSingleStep(0.05)
        self.repeat_penalty.setDecimals(2)
        self.repeat_penalty.setValue(defaults.repeat_penalty)
        self.repeat_penalty.setToolTip(
            "Penalise tokens already used (1.00: off); small models loop less with 1.10"
        )
        self.stops = QLineEdit()
        self.stops.setPlaceholderText("e.g. ### | \\n\\n")
        self.stops.setToolTip(
            "Stop sequences: generation ends before any of them. Separate several with ' | '; "
            "write \\n for a newline."
        )
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Temperature", self.temperature)
        form.addRow("Top p", self.top_p)
        form.addRow("Top k", self.top_k)
        form.addRow("Max tokens", self.max_tokens)
        form.addRow("Seed", self.seed)
        form.addRow("Repeat penalty", self.repeat_penalty)
        form.addRow("Stop at", self.stops)

    def sampling(self) -> SamplingSettings:
        """The settings as chosen."""
        return SamplingSettings(
            temperature=round(self.temperature.value(), 2),
            top_p=round(self.top_p.value(), 2),
            top_k=self.top_k.value(),
            max_tokens=self.max_tokens.value(),
            stop=parse_stops(self.stops.text()),
            seed=self.seed.value(),
            repeat_penalty=round(self.repeat_penalty.value(), 2),
        )

    def set_sampling(self, sampling: SamplingSettings | dict[str, Any]) -> None:
        """Show ``sampling`` (a settings object or its stored dict)."""
        values = sampling.to_dict() if isinstance(sampling, SamplingSettings) else dict(sampling)
        self.temperature.setValue(float(values.get("temperature", 0.7)))
        self.top_p.setValue(float(values.get("top_p", 0.95)))
        self.top_k.setValue(int(values.get("top_k", 40)))
        self.max_tokens.setValue(int(values.get("max_tokens", DEFAULT_MAX_TOKENS)))
        self.seed.setValue(int(values.get("seed", 0)))
        self.repeat_penalty.setValue(float(values.get("repeat_penalty", 1.0)))
        self.stops.setText(format_stops(list(values.get("stop", ()))))

    def focus_chain(self) -> list[QWidget]:
        """The controls in tab order."""
        return [
            self.temperature,
            self.top_p,
            self.top_k,
            self.max_tokens,
            self.seed,
            self.repeat_penalty,
            self.stops,
        ]
