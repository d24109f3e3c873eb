"""The Bias page: a real short run on the demo model, thresholds from the probe set, cancel,
reopening an earlier run, the verdict table's colours and roles, and opening a variant pair.

Runs other than the real one use a fake model host (scripted log-probabilities), so they take
milliseconds; the real one scores a few variants of the shipped decision set."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from scripted_hosts import ScriptedHost, ScriptedModel

from workbench.bias import (
    MetricResult,
    Verdict,
    get_probe_set,
    list_metric_results,
    run_bias_test,
)
from workbench.inventory import get_model
from workbench.inventory.default_model import DEFAULT_MODEL_NAME
from workbench.store import open_store
from workbench.ui.bias.forest_plot import ForestPlots
from workbench.ui.bias.item_models import VERDICT_COLUMN, VerdictRole, VerdictTableModel
from workbench.ui.pages.bias_page import FOREST_TAB, GROUPS_TAB, PAIRS_TAB, BiasPage

DECISIONS = "decisions-hiring-lending-housing@1"
RUN_TIMEOUT_MS = 300_000


def _yes_to_women(prompt: str, continuation: str) -> float:
    """Says yes more readily to women: log-odds +1 over an even split."""
    favoured = continuation.strip().lower() == "yes" and "woman" in prompt
    return math.log(0.2) + (1.0 if favoured else 0.0)


def _host(hold_after: int | None = None) -> ScriptedHost:
    """A host scored by :func:`_yes_to_women`. With ``hold_after``, every score after that
    many waits until ``cancel()``, which ends it as the real host does."""
    return ScriptedModel(logprob=_yes_to_women, hold_scores_after=hold_after).factory()


@pytest.fixture
def page(qtbot: Any, window: Any) -> BiasPage:
    """The Bias page on screen, its probe sets and runs read."""
    bias: BiasPage = window.pages["bias"]
    window.show_page("bias")
    qtbot.waitUntil(lambda: bias.probe_sets_loaded and bias.run_panel.run_button.isEnabled())
    return bias


def _fake(monkeypatch: pytest.MonkeyPatch, host: ScriptedHost) -> None:
    monkeypatch.setattr(BiasPage, "host_factory", staticmethod(lambda task: host))


def _set_up(page: BiasPage, *, attribute: str = "gender", limit: int = 2) -> None:
    panel = page.run_panel
    panel.select_probe_set(DECISIONS)
    panel.attribute_combo.setCurrentIndex(panel.attribute_combo.findData(attribute))
    panel.limit_spin.setValue(limit)
    panel.model_combo.setCurrentText(DEFAULT_MODEL_NAME)


def test_real_short_run_on_the_demo_model_fills_the_verdict_table(
    qtbot: Any, page: BiasPage, home: Path
) -> None:
    _set_up(page, limit=2)
    page.run_panel.system_edit.setPlainText("Answer fairly.")
    with qtbot.waitSignal(page.run_finished, timeout=RUN_TIMEOUT_MS) as finished:
        qtbot.mouseClick(page.run_panel.run_button, Qt.MouseButton.LeftButton)
        assert page.running
        assert not page.run_panel.run_button.isEnabled()
        assert page.run_panel.cancel_button.isEnabled()
    details = finished.args[0]
    run = details.run
    assert run.status == "finished"
    assert run.n_scored == run.n_variants == 6  # 2 scenarios x 3 gender groups
    assert run.model_name == DEFAULT_MODEL_NAME
    assert "Answer fairly." in run.frame["prefix"]
    # gender: woman and non_binary against man, three metrics each
    model = page.verdict_model
    assert model.rowCount() == 6
    metrics = {model.result(r).metric for r in range(model.rowCount())}
    assert metrics == {"effect", "impact_ratio", "flip_rate"}
    with open_store(home) as store:
        stored = list_metric_results(store, run.id)
    assert [m.estimate for m in stored] == [model.result(r).estimate for r in range(6)]
    # only two scenarios: too few to decide anything
    assert {model.index(r, VERDICT_COLUMN).data() for r in range(6)} == {"INCONCLUSIVE"}
    assert page.run_panel.run_button.isEnabled()
    qtbot.waitUntil(lambda: page.runs_model.rowCount() == 1)
    assert page.runs_model.run(0).id == run.id
    # the pairs: groups of one scenario, exact prompts and log-probabilities
    page.tabs.setCurrentIndex(PAIRS_TAB)
    assert page.pairs_model.rowCount() == 6  # 3 pairs in each of 2 scenarios
    pair = page.pairs_model.pair(0)
    assert pair.first.probe_id == pair.second.probe_id
    assert pair.first.group != pair.second.group
    dialog = page.open_pair(0)
    qtbot.addWidget(dialog)
    assert dialog.prompts[0].toPlainText() == pair.first.prompt
    assert dialog.prompts[1].toPlainText() == pair.second.prompt
    assert f"{pair.first.logprobs[0]:.4f}" in dialog.tables[0].toPlainText()
    dialog.close()


def test_thresholds_are_prefilled_from_the_chosen_probe_sets_defaults(
    page: BiasPage, home: Path
) -> None:
    panel = page.run_panel
    with open_store(home) as store:
        for ref in ("ambiguity-qa@1", DECISIONS):
            defaults = get_probe_set(store, ref).defaults
            panel.select_probe_set(ref)
            for name, field in panel.threshold_fields.items():
                assert field.value() == pytest.approx(getattr(defaults, name)), (ref, name)
    panel.set_threshold("effect_tolerance", 1.25)
    spec = panel.spec()
    assert spec is not None
    assert spec.thresholds["effect_tolerance"] == 1.25
    panel.reset_button.click()
    assert panel.threshold_fields["effect_tolerance"].value() == pytest.approx(0.5)
    assert panel.attribute_combo.itemText(0) == "All attributes"
    assert panel.attribute_combo.findData("gender") > 0


def test_a_run_uses_the_thresholds_typed_in_the_panel(
    qtbot: Any, page: BiasPage, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake(monkeypatch, _host())
    _set_up(page, limit=3)
    page.run_panel.set_threshold("effect_tolerance", 2.0)
    page.run_panel.set_threshold("min_scenarios", 2)
    with qtbot.waitSignal(page.run_finished, timeout=60_000) as finished:
        page.run_panel.run_button.click()
    run = finished.args[0].run
    assert run.thresholds["effect_tolerance"] == 2.0
    effects = [m for m in finished.args[0].metrics if m.metric == "effect"]
    assert {(m.band_low, m.band_high) for m in effects} == {(-2.0, 2.0)}


def test_groups_tab_shows_p_favourable_bars_and_the_scenario_heatmap(
    qtbot: Any, page: BiasPage, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake(monkeypatch, _host())  # says yes more readily to women
    _set_up(page, limit=3)
    with qtbot.waitSignal(page.run_finished, timeout=60_000) as finished:
        page.run_panel.run_button.click()
    rates = {r.group: r for r in finished.args[0].rates}
    assert rates["woman"].rate == pytest.approx(math.e / (math.e + 1))
    assert rates["man"].rate == pytest.approx(0.5)
    assert rates["woman"].n == 3
    heatmap = page.groups.heatmap_model
    assert heatmap.rowCount() == 3
    groups = [heatmap.headerData(c, Qt.Orientation.Horizontal) for c in range(3)]
    assert groups == ["man", "woman", "non_binary"]  # the reference first
    assert heatmap.index(0, 1).data() == "0.73"
    assert heatmap.index(0, 0).data(Qt.ItemDataRole.BackgroundRole) != heatmap.index(0, 1).data(
        Qt.ItemDataRole.BackgroundRole
    )
    assert page.groups.chart is None  # pyqtgraph waits until the tab is shown
    page.tabs.setCurrentIndex(GROUPS_TAB)
    qtbot.waitUntil(lambda: page.groups.chart is not None)


def test_cancel_stops_the_run_and_keeps_the_variants_scored_so_far(
    qtbot: Any, page: BiasPage, monkeypatch: pytest.MonkeyPatch
) -> None:
    host = _host(hold_after=5)  # 3 variants and the canary's 2 re-scorings
    _fake(monkeypatch, host)
    _set_up(page, limit=4)
    with qtbot.waitSignal(page.run_finished, timeout=60_000) as finished:
        page.run_panel.run_button.click()
        qtbot.waitUntil(lambda: page.run_panel.progress.value() == 3)  # then it holds
        assert page.run_panel.progress.maximum() == 12
        qtbot.mouseClick(page.run_panel.cancel_button, Qt.MouseButton.LeftButton)
    run = finished.args[0].run
    assert run.status == "cancelled"
    assert run.n_scored == 3
    assert run.n_variants == 12
    assert host.closed
    assert not page.running
    assert page.run_panel.run_button.isEnabled()
    assert not page.run_panel.cancel_button.isEnabled()
    assert page.run_panel.progress.text().startswith("Cancelled after")
    assert "cancelled after" in page.header.text()


def test_an_earlier_run_reopens_from_the_runs_list(qtbot: Any, page: BiasPage, home: Path) -> None:
    with open_store(home) as store:
        probe_set = get_probe_set(store, DECISIONS)
        record = get_model(store, DEFAULT_MODEL_NAME)
        from workbench.bias import Selection

        earlier = run_bias_test(
            store,
            _host(),
            probe_set,
            model_name=record.name,
            model_sha256=record.sha256,
            selection=Selection(families=("decision",), attributes=("age",), max_probes=3),
        )
        expected = list_metric_results(store, earlier.id)
    page.refresh_runs()
    qtbot.waitUntil(lambda: page.runs_model.row_of(earlier.id) >= 0)
    row = page.runs_model.row_of(earlier.id)
    with qtbot.waitSignal(page.run_opened) as opened:
        page.runs_view.clicked.emit(page.runs_model.index(row, 0))
    assert opened.args[0].run.id == earlier.id
    assert page.current_run is not None
    assert page.current_run.id == earlier.id
    model = page.verdict_model
    assert [model.result(r) for r in range(model.rowCount())] == expected
    assert {model.result(r).attribute for r in range(model.rowCount())} == {"age"}
    assert f"Run #{earlier.id}" in page.header.text()
    # the forest plot is drawn (pyqtgraph imported) once its tab is shown
    page.tabs.setCurrentIndex(FOREST_TAB)
    qtbot.waitUntil(lambda: "age" in page.forest.plots)
    assert page.forest.current_metric() == "effect"


def _result(verdict: Verdict, estimate: float = 0.1) -> MetricResult:
    return MetricResult(
        family="decision",
        attribute="gender",
        group="woman",
        reference="man",
        metric="effect",
        estimate=estimate,
        ci_low=estimate - 0.2,
        ci_high=estimate + 0.2,
        p_value=0.5,
        p_adjusted=0.5,
        n=12,
        band_low=-0.5,
        band_high=0.5,
        verdict=verdict,
        reason=f"because {verdict.value}",
    )


def _contrast(a: QColor, b: QColor) -> float:
    def luminance(c: QColor) -> float:
        def channel(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

        return (
            0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())
        )

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_verdict_table_colours_each_verdict_readably_and_exposes_its_roles(
    qapp: Any, scheme: str
) -> None:
    from workbench.ui.theme import dark_palette, light_palette

    saved = qapp.palette()
    palette = dark_palette() if scheme == "dark" else light_palette()
    qapp.setPalette(palette)
    try:
        model = VerdictTableModel()
        verdicts = [Verdict.PASS, Verdict.FAIL, Verdict.INCONCLUSIVE]
        model.set_results([_result(v) for v in verdicts])
        base = palette.color(QPalette.ColorRole.Base)
        colours = []
        for row, verdict in enumerate(verdicts):
            cell = model.index(row, VERDICT_COLUMN)
            assert cell.data() == verdict.value
            assert cell.data(VerdictRole) == verdict.value
            assert model.index(row, 0).data(VerdictRole) == verdict.value
            assert cell.data(Qt.ItemDataRole.ToolTipRole) == f"{verdict.value}: because {verdict}"
            text = cell.data(Qt.ItemDataRole.ForegroundRole)
            tint = cell.data(Qt.ItemDataRole.BackgroundRole)
            assert isinstance(text, QColor)
            assert isinstance(tint, QColor)
            # the tint is translucent over the base colour; text stays readable on it
            assert tint.alpha() < 255
            blended = QColor.fromRgbF(
                *(
                    tint.alphaF() * t + (1 - tint.alphaF()) * b
                    for t, b in zip(
                        (tint.redF(), tint.greenF(), tint.blueF()),
                        (base.redF(), base.greenF(), base.blueF()),
                        strict=True,
                    )
                )
            )
            assert _contrast(text, blended) >= 4.5, (scheme, verdict)
            assert cell.data(Qt.ItemDataRole.FontRole).bold()
            colours.append(text.name())
        assert len(set(colours)) == 3
        assert model.index(0, 1).data() == "woman vs man"
        assert model.index(0, 4).data() == "[-0.1, 0.3]"
        assert model.index(0, 5).data() == "[-0.5, 0.5]"
        assert model.index(0, 7).data() == "12"
        assert model.index(0, 0).data(Qt.ItemDataRole.ForegroundRole) is None
    finally:
        qapp.setPalette(saved)


def test_forest_plots_skip_undefined_estimates(qtbot: Any) -> None:
    plots = ForestPlots()
    qtbot.addWidget(plots)
    nan = _result(Verdict.INCONCLUSIVE, estimate=math.nan)
    plots.set_results([_result(Verdict.PASS), nan])
    assert plots.plots == {}  # not shown yet: pyqtgraph not needed
    plots.show()
    qtbot.waitUntil(lambda: "gender" in plots.plots)
