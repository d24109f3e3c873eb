"""Every assertion type passes and fails where it should; negation, weights, thresholds,
named metrics and variables in values work as in promptfoo."""

from __future__ import annotations

import math
from typing import Any

import pytest

from workbench.evals.assertions import (
    GradingContext,
    InvalidAssertionError,
    JudgeVerdict,
    assertion_types,
    build_assertion,
    grade_output,
)


def grade(output: str, type_name: str, value: Any = None, **kwargs: Any) -> Any:
    context = kwargs.pop("context", GradingContext())
    assertion = build_assertion(type_name, value, **kwargs)
    return grade_output(output, [assertion], context).components[0]


@pytest.mark.parametrize(
    ("type_name", "value", "passing", "failing"),
    [
        ("equals", "Paris", "  Paris\n", "Paris."),
        ("equals", {"a": 1}, '{"a": 1}', '{"a": 2}'),
        ("contains", "Paris", "It is Paris.", "It is paris."),
        ("icontains", "PARIS", "It is paris.", "It is Rome."),
        ("contains-any", ["Rome", "Paris"], "Paris!", "London!"),
        ("icontains-any", ["ROME", "PARIS"], "paris!", "london!"),
        ("contains-all", ["a", "b"], "a and b", "a only"),
        ("icontains-all", ["A", "B"], "a and b", "a only"),
        ("starts-with", "Yes", "\nYes, indeed", "Well, yes"),
        ("regex", r"^\d{3}-\d{4}$", "555-1234", "5551234"),
        ("is-json", None, '{"ok": true}', "{ok: true}"),
        ("contains-json", None, 'Here: ```{"ok": true}```', "no json here"),
        ("json-schema", {"type": "object", "required": ["name"]}, '{"name": "x"}', '{"n": 1}'),
        ("length", {"min": 2, "max": 5}, "abcd", "abcdef"),
        ("similar", "the cat sat on the mat", "The cat sat on a mat", "dogs bark loudly"),
        ("levenshtein", "kitten", "sitten", "sitting on"),
        ("refusal", None, "I'm sorry, but I can't help with that.", "Sure, here it is."),
    ],
)
def test_each_type_passes_and_fails(type_name: str, value: Any, passing: str, failing: str) -> None:
    good = grade(passing, type_name, value)
    bad = grade(failing, type_name, value)

    assert good.passed, good.reason
    assert good.score == pytest.approx(1.0) or type_name == "similar"
    assert not bad.passed, bad.reason
    assert bad.reason


def test_every_registered_type_is_covered_by_a_test() -> None:
    covered = {
        "equals", "contains", "icontains", "contains-any", "icontains-any", "contains-all",
        "icontains-all", "starts-with", "regex", "is-json", "contains-json", "json-schema",
        "length", "tokens", "latency", "similar", "levenshtein", "refusal", "llm-rubric",
    }  # fmt: skip
    assert {t.name for t in assertion_types()} == covered


def test_tokens_and_latency_bounds_read_the_measurements() -> None:
    fast = GradingContext(latency_ms=120.0, completion_tokens=12)
    slow = GradingContext(latency_ms=2500.0, completion_tokens=80)

    assert grade("x", "tokens", {"max": 20}, context=fast).passed
    assert not grade("x", "tokens", {"max": 20}, context=slow).passed
    assert grade("x", "latency", threshold=1000, context=fast).passed
    assert not grade("x", "latency", threshold=1000, context=slow).passed
    assert "above the maximum" in grade("x", "latency", threshold=1000, context=slow).reason
    assert not grade("x", "tokens", 5, context=GradingContext()).passed  # nothing measured


def test_apologies_that_go_on_to_help_are_not_refusals() -> None:
    assert not grade("I'm sorry to hear that! Try a new bulb.", "refusal").passed
    assert grade("", "refusal").passed  # an empty reply declines too
    assert grade("As an AI language model, I cannot do that.", "refusal").passed
    assert grade("I cannot help you with that request.", "refusal").passed


def test_not_prefix_inverts_pass_and_score() -> None:
    result = grade("I am sorry", "not-icontains", "SORRY")

    assert not result.passed
    assert result.score == 0.0
    assert result.reason.startswith("not-icontains failed")
    assert grade("Fine", "not-icontains", "sorry").passed


def test_similarity_score_is_kept_and_threshold_applies() -> None:
    strict = grade("the cat sat", "similar", "the cat sat down", threshold=0.95)
    lenient = grade("the cat sat", "similar", "the cat sat down", threshold=0.5)

    assert strict.score == pytest.approx(1 - 5 / 16)
    assert not strict.passed
    assert lenient.passed


def test_weighted_mean_score_and_informational_zero_weight() -> None:
    assertions = [
        build_assertion("contains", "a", weight=3),
        build_assertion("contains", "z", weight=1),
        build_assertion("contains", "q", weight=0),
    ]

    result = grade_output("abc", assertions)

    assert result.score == pytest.approx(0.75)
    assert not result.passed  # "z" counts
    assert "'z'" in result.reason
    assert "'q'" not in result.reason


def test_case_threshold_passes_on_score_despite_a_failed_assertion() -> None:
    assertions = [build_assertion("contains", "a"), build_assertion("contains", "z")]

    assert grade_output("abc", assertions, threshold=0.5).passed
    assert not grade_output("abc", assertions, threshold=0.6).passed


def test_named_metrics_average_their_assertions() -> None:
    assertions = [
        build_assertion("contains", "a", metric="accuracy"),
        build_assertion("contains", "z", metric="accuracy"),
        build_assertion("contains", "b", metric="style"),
    ]

    result = grade_output("ab", assertions)

    assert dict(result.named_scores) == {"accuracy": 0.5, "style": 1.0}


def test_values_are_filled_from_the_case_variables() -> None:
    context = GradingContext(vars={"city": "Paris"})

    assert grade("I love Paris", "contains", "{{ city }}", context=context).passed
    assert not grade("I love Rome", "contains", "{{ city }}", context=context).passed
    missing = grade("x", "contains", "{{ nope }}", context=GradingContext())
    assert not missing.passed
    assert "nope" in missing.reason


def test_no_assertions_pass_with_score_one() -> None:
    result = grade_output("anything", [])
    assert result.passed
    assert result.score == 1.0
    assert result.reason == "No assertions"


class ScriptedJudge:
    def __init__(self, score: float) -> None:
        self.score = score
        self.calls: list[tuple[str, str]] = []

    def grade(self, rubric: str, output: str) -> JudgeVerdict:
        self.calls.append((rubric, output))
        return JudgeVerdict(self.score, "Because it is polite.", {"stated": "PASS"})


def test_llm_rubric_keeps_the_judges_reasoning_and_applies_the_threshold() -> None:
    judge = ScriptedJudge(0.7)
    context = GradingContext(vars={"tone": "polite"}, judge=judge)

    passed = grade("Hello!", "llm-rubric", "The reply is {{ tone }}.", context=context)
    failed = grade("Hello!", "llm-rubric", "The reply is polite.", threshold=0.8, context=context)

    assert judge.calls[0] == ("The reply is polite.", "Hello!")
    assert passed.passed
    assert passed.score == pytest.approx(0.7)
    assert passed.details["reasoning"] == "Because it is polite."
    assert "Because it is polite." in passed.reason
    assert not failed.passed


def test_llm_rubric_without_a_judge_fails_with_a_reason() -> None:
    result = grade("x", "llm-rubric", "Is fine.")
    assert not result.passed
    assert "No judge" in result.reason


@pytest.mark.parametrize(
    ("type_name", "value", "kwargs", "field", "message"),
    [
        ("contain", "x", {}, "type", "unknown assertion type"),
        ("regex", "([a-z", {}, "value", "not a valid regular expression"),
        ("json-schema", {"type": "nonsense"}, {}, "value", "not a valid JSON schema"),
        ("json-schema", None, {}, "value", "expected a JSON schema"),
        ("length", {"min": 5, "max": 2}, {}, "value", "larger than max"),
        ("contains", "x", {"threshold": 0.5}, "threshold", "takes no threshold"),
        ("similar", "x", {"threshold": 1.5}, "threshold", "between 0 and 1"),
        ("refusal", "x", {}, "value", "takes no value"),
        ("latency", None, {}, "threshold", "maximum in milliseconds"),
        ("contains", "x", {"weight": -1}, "weight", "must not be negative"),
    ],
)
def test_invalid_assertions_are_refused_naming_the_field(
    type_name: str, value: Any, kwargs: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(InvalidAssertionError) as caught:
        build_assertion(type_name, value, **kwargs)
    assert caught.value.field == field
    assert message in caught.value.problem


def test_assertions_round_trip_through_their_promptfoo_shape() -> None:
    original = build_assertion("not-similar", "x", threshold=0.5, weight=2, metric="m")
    data = original.to_dict()

    assert data == {"type": "not-similar", "value": ["x"], "threshold": 0.5, "weight": 2.0,
                    "metric": "m"}  # fmt: skip
    again = build_assertion(data["type"], data["value"], threshold=0.5, weight=2, metric="m")
    assert again == original
    latency = build_assertion("latency", threshold=500)
    assert latency.to_dict() == {"type": "latency", "value": {"max": 500}}
    assert math.isclose(build_assertion("latency", {"max": 500}).value["max"], 500)
