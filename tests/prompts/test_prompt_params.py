"""Sampling parameters: names, types and ranges checked at the boundary, values normalised."""

from __future__ import annotations

import dataclasses

import pytest

from workbench.engine.messages import SamplingSettings
from workbench.prompts import PARAM_SPECS, PromptError, parse_param_assignment, validate_params
from workbench.prompts.params import to_sampling_settings


def test_parameter_names_are_the_engines_sampling_settings() -> None:
    assert set(PARAM_SPECS) == {f.name for f in dataclasses.fields(SamplingSettings)}


def test_valid_params_are_normalised_and_sorted() -> None:
    params = validate_params({"top_k": 40, "temperature": 1, "stop": ["\n\n", "###"], "seed": 7})

    assert list(params) == ["seed", "stop", "temperature", "top_k"]
    assert params["temperature"] == 1.0
    assert isinstance(params["temperature"], float)
    assert params["stop"] == ("\n\n", "###")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"temp": 0.5}, "unknown parameter 'temp'"),
        ({"temperature": "hot"}, "params.temperature: expected a number"),
        ({"temperature": True}, "expected a number"),
        ({"temperature": -0.1}, "must be at least 0"),
        ({"temperature": float("nan")}, "finite"),
        ({"top_p": 1.5}, "must be at most 1"),
        ({"max_tokens": 0}, "must be at least 1"),
        ({"max_tokens": 12.5}, "whole number"),
        ({"seed": -1}, "must be at least 0"),
        ({"stop": "###"}, "expected a list of strings"),
        ({"stop": ["ok", ""]}, r"stop\[1\]: expected a non-empty string"),
        ({"stop": ["x"] * 17}, "at most 16"),
    ],
)
def test_invalid_params_are_refused_with_the_field_named(
    params: dict[str, object], message: str
) -> None:
    with pytest.raises(PromptError, match=message):
        validate_params(params)


def test_command_line_assignments_are_parsed_by_type() -> None:
    assert parse_param_assignment("temperature=0.2") == ("temperature", 0.2)
    assert parse_param_assignment("max_tokens=64") == ("max_tokens", 64)
    assert parse_param_assignment(r"stop=\n\n") == ("stop", ("\n\n",))
    assert parse_param_assignment('stop=["###", "END"]') == ("stop", ("###", "END"))
    assert parse_param_assignment(r"stop=a\\nb") == ("stop", ("a\\nb",))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("temperature", "expected NAME=VALUE"),
        ("=1", "expected NAME=VALUE"),
        ("temperature=warm", "expected a number"),
        ("max_tokens=1.5", "expected a whole number"),
        ("nope=1", "unknown parameter 'nope'"),
        ("stop=[unclosed", "not a JSON list"),
    ],
)
def test_bad_command_line_assignments_are_refused(text: str, message: str) -> None:
    with pytest.raises(PromptError, match=message):
        parse_param_assignment(text)


def test_params_become_engine_sampling_settings_over_its_defaults() -> None:
    settings = to_sampling_settings(validate_params({"temperature": 0.3, "stop": ["##"]}))

    assert settings.temperature == 0.3
    assert settings.stop == ("##",)
    assert settings.max_tokens == SamplingSettings().max_tokens
