"""Whether a stored suite can run as it is: what ``eval import`` warns about.

A suite is stored even when it cannot run yet (its models may be registered later), but the
import says what stands in the way: models, judge and prompts that do not resolve
(:func:`~workbench.evals.references.unresolved_references`), cases that do not give a prompt's
variables (found by rendering, as :func:`~workbench.evals.plan.missing_variables` does, for
every prompt that resolves, whether or not the models do), and cases without assertions (they
would pass whenever the model answers).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workbench.errors import WorkbenchError
from workbench.evals.plan import missing_prompt_variables
from workbench.evals.references import unresolved_references
from workbench.evals.snapshot import ResolvedPrompt, chosen_cases, resolve_prompt
from workbench.evals.suite import EvalSuite
from workbench.store import Store

_SHOWN_CASES = 10


@dataclass(frozen=True)
class SuiteWarnings:
    """What keeps a suite from running as it is, or from testing anything."""

    unresolved: tuple[str, ...] = ()
    missing_variables: tuple[tuple[str, str, tuple[str, ...]], ...] = ()  # prompt, case, names
    unasserted_cases: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.unresolved or self.missing_variables or self.unasserted_cases)

    @property
    def sentences(self) -> tuple[str, ...]:
        """One sentence per problem: unresolved references, missing variables, then the cases
        without assertions (all in one)."""
        found = list(self.unresolved)
        for prompt, case, names in self.missing_variables:
            plural = "s" if len(names) > 1 else ""
            found.append(
                f"prompt {prompt}, case {case}: missing variable{plural} {', '.join(names)}"
            )
        if self.unasserted_cases:
            count = len(self.unasserted_cases)
            listed = ", ".join(self.unasserted_cases[:_SHOWN_CASES])
            more = f" and {count - _SHOWN_CASES} more" if count > _SHOWN_CASES else ""
            cases = "1 case has" if count == 1 else f"{count} cases have"
            found.append(
                f"{cases} no assertions (passing whenever the model answers): {listed}{more}"
            )
        return tuple(found)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "unresolved": list(self.unresolved),
            "missing_variables": [
                {"prompt": prompt, "case": case, "variables": list(names)}
                for prompt, case, names in self.missing_variables
            ],
            "unasserted_cases": list(self.unasserted_cases),
        }


def suite_warnings(store: Store, suite: EvalSuite) -> SuiteWarnings:
    """What keeps ``suite`` (with its own columns and every case) from running as it is."""
    cases = chosen_cases(suite)
    prompts: list[ResolvedPrompt] = []
    for spec in suite.prompts:
        try:
            prompts.append(resolve_prompt(store, spec))
        except WorkbenchError:
            continue  # named among the unresolved references
    return SuiteWarnings(
        unresolved=unresolved_references(store, suite),
        missing_variables=missing_prompt_variables(prompts, cases),
        unasserted_cases=tuple(case.id for case in cases if not case.assertions),
    )
