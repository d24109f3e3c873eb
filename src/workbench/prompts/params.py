"""Default sampling parameters stored with a prompt version, validated where they come in.

The names are those of :class:`workbench.engine.messages.SamplingSettings`; a test pins that the
two lists agree. Values are normalised (an int given for a float parameter becomes a float, a
stop list becomes a tuple) so that the same settings always hash the same.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from workbench.prompts.errors import PromptError

if TYPE_CHECKING:
    from workbench.engine.messages import SamplingSettings

ParamValue = int | float | tuple[str, ...]
ParamKind = Literal["float", "int", "strings"]

MAX_STOP_SEQUENCES = 16


@dataclass(frozen=True)
class ParamSpec:
    """What one parameter accepts; bounds are inclusive, None means unbounded."""

    name: str
    kind: ParamKind
    minimum: float | None
    maximum: float | None
    help: str


PARAM_SPECS: dict[str, ParamSpec] = {
    spec.name: spec
    for spec in (
        ParamSpec("temperature", "float", 0.0, 5.0, "randomness; 0 is greedy"),
        ParamSpec("top_p", "float", 0.0, 1.0, "nucleus sampling mass"),
        ParamSpec("top_k", "int", 0, None, "sample among the k likeliest tokens; 0 is all"),
        ParamSpec("max_tokens", "int", 1, 1_000_000, "most tokens to generate"),
        ParamSpec("stop", "strings", None, None, "sequences that end generation"),
        ParamSpec("seed", "int", 0, 2**32 - 1, "random seed, for reproducible sampling"),
        ParamSpec("repeat_penalty", "float", 0.0, 10.0, "penalty on repeated tokens; 1 is none"),
    )
}


def validate_params(raw: Mapping[str, object], *, where: str = "params") -> dict[str, ParamValue]:
    """Check names, types and ranges; return the normalised parameters sorted by name.

    ``where`` prefixes error messages (a file and field, or a command-line option).
    """
    if not isinstance(raw, Mapping):
        raise PromptError(f"{where}: expected a mapping of parameter names to values.")
    result: dict[str, ParamValue] = {}
    for name in sorted(raw):
        result[name] = validate_param(name, raw[name], where=where)
    return result


def validate_param(name: object, value: object, *, where: str = "params") -> ParamValue:
    """Check one parameter; return its normalised value."""
    spec = PARAM_SPECS.get(name) if isinstance(name, str) else None
    if spec is None:
        known = ", ".join(PARAM_SPECS)
        raise PromptError(f"{where}: unknown parameter {name!r} (known: {known}).")
    field = f"{where}.{spec.name}"
    if spec.kind == "strings":
        return _validate_strings(value, field)
    # bool is an int in Python, but `temperature: true` is a mistake, not 1.0.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PromptError(f"{field}: expected a number, got {value!r}.")
    if spec.kind == "int":
        if isinstance(value, float) and not value.is_integer():
            raise PromptError(f"{field}: expected a whole number, got {value!r}.")
        number: int | float = int(value)
    else:
        if not math.isfinite(value):
            raise PromptError(f"{field}: expected a finite number, got {value!r}.")
        number = float(value)
    if spec.minimum is not None and number < spec.minimum:
        raise PromptError(f"{field}: must be at least {_bound(spec.minimum)}, got {value!r}.")
    if spec.maximum is not None and number > spec.maximum:
        raise PromptError(f"{field}: must be at most {_bound(spec.maximum)}, got {value!r}.")
    return number


def parse_param_assignment(text: str) -> tuple[str, ParamValue]:
    """Parse ``NAME=VALUE`` from the command line into a validated parameter.

    Numbers are read as numbers. For ``stop``, the value is one stop sequence in which ``\\n``,
    ``\\t`` and ``\\\\`` are unescaped (a shell cannot easily pass a newline), or a JSON list such
    as ``["\\n\\n", "###"]`` for several.
    """
    name, sep, value_text = text.partition("=")
    name = name.strip()
    where = f"--set-param {text}"
    if not sep or not name:
        raise PromptError(f"{where}: expected NAME=VALUE, e.g. temperature=0.2.")
    spec = PARAM_SPECS.get(name)
    if spec is None:
        raise PromptError(f"{where}: unknown parameter {name!r} (known: {', '.join(PARAM_SPECS)}).")
    value: object
    if spec.kind == "strings":
        if value_text.lstrip().startswith("["):
            try:
                value = json.loads(value_text)
            except json.JSONDecodeError as exc:
                raise PromptError(f"{where}: not a JSON list of strings ({exc.msg}).") from exc
        else:
            value = [_unescape(value_text)]
    else:
        try:
            value = int(value_text) if spec.kind == "int" else float(value_text)
        except ValueError:
            kind = "a whole number" if spec.kind == "int" else "a number"
            raise PromptError(f"{where}: expected {kind}, got {value_text!r}.") from None
    return name, validate_param(name, value, where="--set-param")


def params_to_json(params: Mapping[str, ParamValue]) -> dict[str, object]:
    """The parameters as JSON-ready values (tuples become lists), sorted by name."""
    return {name: param_to_json(value) for name, value in sorted(params.items())}


def param_to_json(value: ParamValue | None) -> object:
    """One parameter value as a JSON-ready value (a tuple becomes a list)."""
    return list(value) if isinstance(value, tuple) else value


def to_sampling_settings(params: Mapping[str, ParamValue]) -> SamplingSettings:
    """The engine's sampling settings: these parameters over the engine's defaults."""
    # Imported here so that prompt management does not load the engine package until a prompt
    # is actually run.
    from workbench.engine.messages import SamplingSettings

    return SamplingSettings(**params)  # type: ignore[arg-type]


def _validate_strings(value: object, field: str) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise PromptError(f"{field}: expected a list of strings, got {value!r}.")
    if len(value) > MAX_STOP_SEQUENCES:
        raise PromptError(f"{field}: at most {MAX_STOP_SEQUENCES} entries, got {len(value)}.")
    for index, item in enumerate(value):
        if not isinstance(item, str) or not item:
            raise PromptError(f"{field}[{index}]: expected a non-empty string, got {item!r}.")
    return tuple(value)


def _unescape(text: str) -> str:
    out: list[str] = []
    escapes = {"n": "\n", "t": "\t", "\\": "\\"}
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text) and text[index + 1] in escapes:
            out.append(escapes[text[index + 1]])
            index += 2
            continue
        out.append(char)
        index += 1
    return "".join(out)


def _bound(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
