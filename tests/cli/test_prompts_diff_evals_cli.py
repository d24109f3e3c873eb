"""``workbench prompts diff --evals``: the evaluation runs that had both versions, after the diff
(CliRunner on a real store, with a scripted model host)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

#: Eight cases: support-reply@3 ("Customer Ada asks: ...") passes all, @1 only m0 and m1.
SUITE = textwrap.dedent(
    """\
    name: evidence-suite
    prompts: [support-reply@1, support-reply@2, support-reply@3]
    models: [smollm2-135m-instruct]
    defaultTest:
      vars: {customer_name: Ada}
      assert: [{type: icontains, value: good}]
    tests:
    """
) + "".join(f"  - {{id: c{i}, vars: {{message: m{i}}}}}\n" for i in range(8))


def good_for_version_3(message: str) -> str:
    """'good answer' to version 3's messages and to m0/m1, 'bad answer' otherwise."""
    good = message.startswith("Customer Ada asks:") or message in ("m0", "m1")
    return "good answer" if good else "bad answer"


@pytest.fixture(autouse=True)
def _scripted_model(script_model: Any) -> None:
    script_model(good_for_version_3)


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.stdout


def test_diff_evals_shows_the_run_that_had_both_versions(run: Any, tmp_path: Path) -> None:
    suite = tmp_path / "suite.yaml"
    suite.write_text(SUITE, encoding="utf-8")
    ok(run("eval", "run", str(suite), "--prompt", "support-reply@1", "--prompt", "support-reply@3"))

    text = ok(run("prompts", "diff", "support-reply", "1", "3", "--evals", "--no-color"))
    data = json.loads(ok(run("prompts", "diff", "support-reply", "1", "3", "--evals", "--json")))

    assert text.startswith("--- support-reply@1")  # the diff still comes first
    assert "Evaluations (A = support-reply@1, B = support-reply@3):" in text
    assert (
        "run #1 evidence-suite@1 · smollm2-135m-instruct: 8 cases, 25% -> 100%, "
        "B is better (p 0.031)"
    ) in text
    (found,) = data["evals"]
    assert (found["run_id"], found["n_pairs"], found["sentence"]) == (1, 8, "B is better")
    assert (found["old"]["passed"], found["new"]["passed"]) == (2, 8)


def test_diff_evals_without_such_a_run_says_how_to_make_one(run: Any) -> None:
    text = ok(run("prompts", "diff", "support-reply", "1", "2", "--evals", "--no-color"))
    data = json.loads(ok(run("prompts", "diff", "support-reply", "1", "2", "--evals", "--json")))
    plain = json.loads(ok(run("prompts", "diff", "support-reply", "1", "2", "--json")))

    assert (
        "No evaluation run has both versions as columns: run one with "
        "`workbench eval run SUITE --prompt support-reply@1 --prompt support-reply@2`."
    ) in text
    assert data["evals"] == []
    assert "evals" not in plain
