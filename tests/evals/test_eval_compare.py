"""Comparing runs: regressed and fixed cells, unmatched cells, and the per-column test."""

from __future__ import annotations

import textwrap
from typing import Any

from workbench.engine import GenerationRequest, LoadRequest
from workbench.evals import compare_runs, load_suite_text, run_matrix, save_suite
from workbench.store import Store

FakeWorld = Any

SUITE = textwrap.dedent(
    """\
    name: cmp
    prompts: [PROMPT]
    models: [demo]
    defaultTest:
      vars: {customer_name: Ada}
      assert: [{type: icontains, value: good}]
    tests:
    """
) + "\n".join(f"  - {{id: c{i}, vars: {{message: m{i}}}}}" for i in range(10))


def run(store: Store, world: FakeWorld, prompt: str, good: set[str]) -> int:
    def answer(request: GenerationRequest, loaded: LoadRequest) -> str:
        message = request.messages[-1].content.split()[-1]
        return "good" if message in good else "bad"

    world.responder = answer
    suite, _ = save_suite(
        store, load_suite_text(SUITE.replace("PROMPT", prompt), source="cmp"), origin="t"
    )
    return run_matrix(store, suite, hosts=world.factory).id


def test_regressed_and_fixed_cells_are_listed(eval_store: Store, world: FakeWorld) -> None:
    before = run(eval_store, world, "support-reply@1", {"m0", "m1", "m2"})
    after = run(eval_store, world, "support-reply@1", {"m0", "m3", "m4"})

    comparison = compare_runs(eval_store, before, after)

    assert comparison.matched == 10
    assert [c.case_id for c in comparison.regressed] == ["c1", "c2"]
    assert [c.case_id for c in comparison.fixed] == ["c3", "c4"]
    assert (comparison.still_passing, comparison.still_failing) == (1, 5)
    assert comparison.regressed[0].output_changed
    (test,) = comparison.tests
    assert (test.only_a, test.only_b, test.sentence) == (2, 2, "no detectable difference")


def test_single_columns_are_compared_even_with_different_prompt_ids(
    eval_store: Store, world: FakeWorld
) -> None:
    old = run(eval_store, world, "support-reply@1", set())
    new = run(eval_store, world, "support-reply@2", {f"m{i}" for i in range(10)})

    comparison = compare_runs(eval_store, old, new)

    assert comparison.columns == ((("support-reply@1", "demo"), ("support-reply@2", "demo")),)
    assert len(comparison.fixed) == 10
    assert comparison.tests[0].sentence == "B is better"
    assert comparison.tests[0].p_value == 2 / 2**10
