"""Evidence for a prompt diff: the stored runs that had both versions as columns, compared."""

from __future__ import annotations

import textwrap
from typing import Any

from workbench.engine import GenerationRequest, LoadRequest
from workbench.evals import (
    RunEvidence,
    RunOptions,
    StoredSuite,
    load_suite_text,
    run_matrix,
    save_suite,
    version_evidence,
)
from workbench.prompts import get_version
from workbench.store import Store

FakeWorld = Any  # the scripted model world of conftest.py (conftest cannot be imported)

#: Eight cases: v3 ("Customer Ada asks: ...") passes all, v1 only the first two.
SUITE = textwrap.dedent(
    """\
    name: evidence-suite
    prompts: [support-reply@1, support-reply@2, support-reply@3]
    models: [demo]
    sampling: {max_tokens: 8}
    defaultTest:
      vars: {customer_name: Ada}
      assert: [{type: icontains, value: good}]
    tests:
    """
) + "".join(f"  - {{id: c{i}, vars: {{message: m{i}}}}}\n" for i in range(8))


def scripted(request: GenerationRequest, loaded: LoadRequest) -> str:
    text = request.messages[-1].content
    good = text.startswith("Customer Ada asks:") or text in ("m0", "m1")
    return "good answer" if good else "bad answer"


def stored_suite(store: Store) -> StoredSuite:
    return save_suite(store, load_suite_text(SUITE, source="evidence.yaml"), origin="test")[0]


def hashes(store: Store, *refs: str) -> list[str]:
    return [get_version(store, ref).content_hash for ref in refs]


def test_a_run_with_both_versions_says_b_is_better(eval_store: Store, world: FakeWorld) -> None:
    world.responder = scripted
    options = RunOptions(prompts=("support-reply@1", "support-reply@3"))
    run = run_matrix(eval_store, stored_suite(eval_store), options=options, hosts=world.factory)
    v1, v3 = hashes(eval_store, "support-reply@1", "support-reply@3")

    (found,) = version_evidence(eval_store, v1, v3)

    assert isinstance(found, RunEvidence)
    assert (found.run_id, found.suite_ref, found.model_name) == (run.id, "evidence-suite@1", "demo")
    assert found.n_pairs == 8
    assert (found.old.passed, found.new.passed) == (2, 8)
    assert (found.only_old, found.only_new) == (0, 6)
    assert (found.old.pass_rate, found.new.pass_rate) == (0.25, 1.0)
    assert found.old.ci_low < 0.25 < found.old.ci_high
    assert found.p_value == 0.03125
    assert found.sentence == "B is better"
    assert found.line == (
        f"run #{run.id} evidence-suite@1 · demo: 8 cases, 25% -> 100%, B is better (p 0.031)"
    )
    assert found.to_dict()["new"]["passed"] == 8


def test_swapping_the_sides_says_b_is_worse(eval_store: Store, world: FakeWorld) -> None:
    world.responder = scripted
    options = RunOptions(prompts=("support-reply@1", "support-reply@3"))
    run_matrix(eval_store, stored_suite(eval_store), options=options, hosts=world.factory)
    v1, v3 = hashes(eval_store, "support-reply@1", "support-reply@3")

    (found,) = version_evidence(eval_store, v3, v1)

    assert found.sentence == "B is worse"
    assert (found.old.passed, found.new.passed) == (8, 2)


def test_runs_without_both_versions_and_identical_hashes_give_nothing(
    eval_store: Store, world: FakeWorld
) -> None:
    world.responder = scripted
    suite = stored_suite(eval_store)
    options = RunOptions(prompts=("support-reply@1", "support-reply@2"))
    run_matrix(eval_store, suite, options=options, hosts=world.factory)
    v1, v2, v3 = hashes(eval_store, "support-reply@1", "support-reply@2", "support-reply@3")

    assert version_evidence(eval_store, v1, v3) == ()
    assert version_evidence(eval_store, v1, v1) == ()
    (found,) = version_evidence(eval_store, v1, v2)  # the pair the run had
    assert found.sentence == "no detectable difference"
    assert (found.old.passed, found.new.passed) == (2, 2)


def test_newest_run_comes_first_and_limit_keeps_only_the_newest(
    eval_store: Store, world: FakeWorld
) -> None:
    world.responder = scripted
    suite = stored_suite(eval_store)
    runs = [run_matrix(eval_store, suite, hosts=world.factory) for _ in range(2)]
    v1, v3 = hashes(eval_store, "support-reply@1", "support-reply@3")

    assert [e.run_id for e in version_evidence(eval_store, v1, v3)] == [r.id for r in runs[::-1]]
    assert [e.run_id for e in version_evidence(eval_store, v1, v3, limit=1)] == [runs[1].id]
