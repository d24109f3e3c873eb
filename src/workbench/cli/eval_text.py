"""The text ``workbench eval`` prints: runs, matrices, cells and comparisons, for people.

Cases are named as the app's grid names them (their description when they have one) and
repeats count from 1 (``repeat 1 of 2``); ``--json`` output keeps the stored fields as they are.
"""

from __future__ import annotations

from typing import Any

from workbench.cli.formatting import format_table
from workbench.evals import CellChange, CellResult, EvalRun, RunComparison, RunSummary
from workbench.evals.snapshot import RunSnapshot
from workbench.wording import plural, result_noun


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def _num(value: float | None, fmt: str = ".2f") -> str:
    return "-" if value is None else format(value, fmt)


def _rate(rate: float | None, low: float, high: float) -> str:
    """``75% [41%-93%]``; ``-`` for a column with no evaluated cell (no rate, no interval)."""
    return "-" if rate is None else f"{_pct(rate)} [{_pct(low)}-{_pct(high)}]"


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters at a word boundary, ending in ``…`` when
    cut. A long last word (a file path) is cut inside it instead, when going back to the word
    boundary would drop more than a third of what fits."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut and not text[limit - 1].isspace():
        at_word = cut.rsplit(" ", 1)[0]
        if len(at_word) >= (limit - 1) * 2 // 3:
            cut = at_word
    return (cut.rstrip(" ,;:.-") or cut) + "…"


def sample_noun(snapshot: RunSnapshot | None) -> str:
    """What one stored result of a run is called: a ``sample`` when the run repeats each cell
    (prompt × model × case), else a ``cell``."""
    return result_noun(snapshot.repeat if snapshot is not None else 1)


def pass_rates(summary: Any) -> str:
    columns = summary.get("columns", []) if isinstance(summary, dict) else []
    return " ".join(_pct(c.get("pass_rate")) for c in columns)


def format_run(run: EvalRun, summary: RunSummary) -> str:
    noun = sample_noun(run.snapshot)
    lines = [
        f"Run {run.id}: suite {run.suite_ref}, {run.status}, {run.n_done}/"
        f"{plural(run.n_cells, noun)}" + (f" (error: {run.error})" if run.error else "")
    ]
    rows = [
        (
            c.label,
            f"{c.passed}/{c.evaluated}",
            _rate(c.pass_rate, c.ci_low, c.ci_high),
            _num(c.mean_score),
            _num(c.latency_s.median),
            _num(c.time_to_first_token_s.median),
            _num(c.tokens_per_second.median, ".1f"),
            c.errors or "",
        )
        for c in summary.columns
    ]
    headers = ("COLUMN", "PASS", "RATE [95% CI]", "SCORE", "LATENCY s", "TTFT s", "TOK/S", "ERR")
    lines += ["", format_table(headers, rows)]
    metrics = [
        (c.label, name, f"{v:.2f}") for c in summary.columns for name, v in c.named_scores.items()
    ]
    if metrics:
        lines += ["", format_table(("COLUMN", "METRIC", "MEAN SCORE"), metrics)]
    if summary.comparisons:
        lines += ["", "Paired comparisons (McNemar's exact test on the same cases):"]
        per_case = _per_case(run.snapshot)
        for cmp in summary.comparisons:
            lines.append(
                f"  {_pair(cmp.a, cmp.b)}: {per_case}{cmp.only_b} fixed, {cmp.only_a} broken of "
                f"{plural(cmp.n_pairs, 'case')}, p={cmp.p_value:.3g}: {cmp.sentence}"
            )
    if summary.flaky:
        labels = _case_labels(run.snapshot)
        lines += ["", "Flaky cells (samples disagree):"]
        for f in summary.flaky:
            lines.append(
                f"  {f.prompt_id} × {f.model_id} / {labels.get(f.case_id, f.case_id)}: "
                f"{f.passes} of {f.samples} samples pass, "
                f"{plural(f.distinct_outputs, 'distinct output')}"
            )
    if summary.n_errors:
        lines += [
            "",
            f"Errors: {plural(summary.n_errors, noun)} could not be evaluated "
            "(! in 'eval show'; 'eval cell RUN CELL' says why); pass rates, scores and "
            "comparisons leave them out.",
        ]
    if summary.unasserted_cases:
        count = len(summary.unasserted_cases)
        lines += [
            "",
            f"Warning: {plural(count, 'case')} {'has' if count == 1 else 'have'} no "
            "assertions: they pass whenever the model answers. Give them 'assert:' (or the "
            "suite 'defaultTest: assert:').",
        ]
    if summary.threshold is not None:
        if summary.failing_columns:
            failing = ", ".join(" × ".join(c) for c in summary.failing_columns)
            lines += ["", f"Threshold {_pct(summary.threshold)}: FAILED by {failing}"]
            lines += [f"  {reason}" for reason in summary.threshold_failures]
        else:
            lines += ["", f"Threshold {_pct(summary.threshold)}: met by every column"]
    return "\n".join(lines)


def _per_case(*snapshots: RunSnapshot | None) -> str:
    """With repeats, what a McNemar count counts: cases, each by the majority of its samples
    (so its numbers are not those of the samples matched one by one); empty without."""
    if any(sample_noun(snapshot) == "sample" for snapshot in snapshots):
        return "per case, by the majority of its samples: "
    return ""


def _pair(a: tuple[str, str], b: tuple[str, str]) -> str:
    """``B vs A`` naming only what differs between two columns."""
    if a[1] == b[1]:
        return f"B={b[0]} vs A={a[0]} (on {a[1]})"
    if a[0] == b[0]:
        return f"B={b[1]} vs A={a[1]} (with {a[0]})"
    return f"B={' × '.join(b)} vs A={' × '.join(a)}"


def format_matrix(run: EvalRun, cells: list[CellResult]) -> str:
    snapshot = run.snapshot
    assert snapshot is not None
    columns = [(p.id, m.id) for m in snapshot.models for p in snapshot.prompts]
    grid: dict[tuple[str, tuple[str, str]], list[CellResult]] = {}
    for cell in cells:
        grid.setdefault((cell.case_id, cell.column), []).append(cell)
    rows = []
    for case in snapshot.cases:
        row: list[str] = [clip(case.label, 40)]
        for column in columns:
            found = grid.get((case.id, column), [])
            row.append(_mark(found, snapshot.repeat))
        rows.append(row)
    headers = ["CASE", *(f"{p} × {m}" if len(snapshot.models) > 1 else p for p, m in columns)]
    legend = "✓ pass, ✗ fail, ! error, · not run; #N for 'eval cell'"
    if snapshot.repeat > 1:
        legend += "; P/N: P of N evaluated samples pass, +E! errored"
    return f"Cells ({legend}):\n" + format_table(headers, rows)


def _mark(found: list[CellResult], repeat: int) -> str:
    if not found:
        return "·"
    first = min(found, key=lambda c: c.number)
    if repeat > 1:
        evaluated = [c for c in found if c.evaluated]  # errored samples have no verdict
        errors = len(found) - len(evaluated)
        passes = sum(c.passed for c in evaluated)
        text = f"{passes}/{len(evaluated)}" if evaluated else ""
        if errors:
            text += f"+{errors}!" if evaluated else f"{errors}!"
        return f"{text} #{first.number}"
    symbol = "!" if first.status == "error" else ("✓" if first.passed else "✗")
    return f"{symbol} #{first.number}"


def _case_labels(snapshot: RunSnapshot | None) -> dict[str, str]:
    """Case id -> what to call it: its description when it has one (as the app's grid does)."""
    return {case.id: case.label for case in snapshot.cases} if snapshot else {}


def _repeat_text(index: int, snapshot: RunSnapshot | None) -> str:
    """A stored (0-based) sample index for people: ``repeat 1 of 2``; empty without repeats."""
    total = snapshot.repeat if snapshot else 1
    return f"repeat {index + 1} of {total}" if total > 1 else ""


def format_cell(cell: CellResult, snapshot: RunSnapshot | None = None) -> str:
    place = ", ".join(
        part
        for part in (
            f"{cell.prompt_id} × {cell.model_id}",
            f"case {_case_labels(snapshot).get(cell.case_id, cell.case_id)}",
            _repeat_text(cell.repeat, snapshot),
        )
        if part
    )
    lines = [f"Cell {cell.number} of run {cell.run_id}: {place}", f"  key: {cell.key}"]
    if cell.status == "error":
        lines += [f"  result: ERROR (not evaluated): {cell.error or cell.reason}"]
        lines += [f"  seed {cell.seed}"]
        return "\n".join(lines)
    measures = [f"seed {cell.seed}"]
    if cell.prompt_tokens is not None or cell.completion_tokens is not None:
        measures.append(
            f"{cell.prompt_tokens or 0} prompt + {cell.completion_tokens or 0} completion tokens"
        )
    if cell.time_to_first_token_s is not None:
        measures.append(f"first token {cell.time_to_first_token_s:.3f} s")
    if cell.tokens_per_second is not None:
        measures.append(f"{cell.tokens_per_second:.1f} tokens/s")
    if cell.finish_reason:
        measures.append(f"finished: {cell.finish_reason}")
    lines += [
        f"  result: {'pass' if cell.passed else 'fail'} (score {cell.score:.2f}): {cell.reason}",
        "  " + "; ".join(measures),
        "",
        cell.output,
        "",
    ]
    for component in cell.grading.get("components", []):
        mark = "✓" if component["pass"] else "✗"
        lines.append(f"  {mark} {component['assertion']['type']}: {component['reason']}")
    return "\n".join(lines)


def format_comparison(
    comparison: RunComparison,
    snapshots: tuple[RunSnapshot | None, RunSnapshot | None] = (None, None),
) -> str:
    if comparison.nothing_in_common:
        return _format_nothing_in_common(comparison, snapshots)
    labels = {**_case_labels(snapshots[0]), **_case_labels(snapshots[1])}
    samples = any(sample_noun(snapshot) == "sample" for snapshot in snapshots)
    noun = "sample" if samples else "cell"
    matched = (
        f"{plural(comparison.matched, 'sample')} matched (same case, column and repeat): "
        if samples
        else f"{plural(comparison.matched, 'matched cell')}, "
    )
    lines = [
        f"Run {comparison.run_b} against run {comparison.run_a}: "
        f"{matched}{len(comparison.regressed)} regressed, "
        f"{len(comparison.fixed)} fixed, {comparison.still_passing} still pass, "
        f"{comparison.still_failing} still fail, "
        + (f"{len(comparison.errored)} errored (not compared), " if comparison.errored else "")
        + f"{plural(comparison.outputs_changed, 'output')} changed"
    ]
    if comparison.only_in_a or comparison.only_in_b:
        lines.append(
            f"Unmatched: {plural(comparison.only_in_a, noun)} only in run {comparison.run_a}, "
            f"{comparison.only_in_b} only in run {comparison.run_b}"
        )
    for title, changes, reason in (
        ("Regressed", comparison.regressed, lambda change: change.reason_b),
        ("Fixed", comparison.fixed, lambda change: change.reason_a),
        ("Errored (not evaluated in one run or both: not compared)", comparison.errored,
         lambda change: _error_reason(change, comparison)),
    ):  # fmt: skip
        if changes:
            lines += ["", f"{title}:"]
            for change in changes:
                repeat = _repeat_text(change.repeat, snapshots[1])
                lines.append(
                    f"  {change.prompt_id} × {change.model_id} / "
                    f"{labels.get(change.case_id, change.case_id)}"
                    f"{f' ({repeat})' if repeat else ''}: "
                    f"#{change.number_a} -> #{change.number_b}; {clip(reason(change), 100)}"
                )
    if comparison.tests:
        lines += ["", "Per column (McNemar's exact test on the same cases):"]
        per_case = _per_case(*snapshots)
        for test in comparison.tests:
            lines.append(
                f"  {' × '.join(test.b)}: {per_case}{test.only_b} fixed, {test.only_a} broken of "
                f"{plural(test.n_pairs, 'case')}, p={test.p_value:.3g}: {test.sentence}"
            )
    return "\n".join(lines)


def _error_reason(change: CellChange, comparison: RunComparison) -> str:
    """The error of the side (or sides) of a matched cell that errored: ``errored in run N:
    why``, or ``errored in both runs: why`` (each run's reason when they differ)."""
    a_errored, b_errored = change.status_a == "error", change.status_b == "error"
    if a_errored and b_errored:
        if change.reason_a == change.reason_b:
            return f"errored in both runs: {change.reason_a}"
        return (
            f"errored in both runs: in run {comparison.run_a}: {change.reason_a}; "
            f"in run {comparison.run_b}: {change.reason_b}"
        )
    if a_errored:
        return f"errored in run {comparison.run_a}: {change.reason_a}"
    return f"errored in run {comparison.run_b}: {change.reason_b}"


def _format_nothing_in_common(
    comparison: RunComparison, snapshots: tuple[RunSnapshot | None, RunSnapshot | None]
) -> str:
    """Two runs that share no cell: say so, and what each has, instead of a verdict."""
    lines = [
        f"Runs {comparison.run_a} and {comparison.run_b} have nothing in common to compare: "
        f"no cell of one matches a cell of the other (same column, case and repeat).",
    ]
    for run_id, snapshot, cells in (
        (comparison.run_a, snapshots[0], comparison.only_in_a),
        (comparison.run_b, snapshots[1], comparison.only_in_b),
    ):
        if snapshot is None:
            continue
        columns = ", ".join(f"{p.id} × {m.id}" for m in snapshot.models for p in snapshot.prompts)
        lines.append(
            f"  run {run_id}: suite {snapshot.suite_name}@{snapshot.suite_version}, "
            f"{plural(cells, sample_noun(snapshot))}, {plural(len(snapshot.cases), 'case')}; "
            f"columns {columns}"
        )
    lines.append("Compare runs of the same suite, or runs with one column each.")
    return "\n".join(lines)
