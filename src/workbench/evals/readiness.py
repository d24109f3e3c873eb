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
from workbench.evals.plan import case_label, cases_missing_variables
from workbench.evals.references import classify_unresolved_references
from workbench.evals.snapshot import ResolvedPrompt, chosen_cases, resolve_prompt
from workbench.evals.suite import EvalSuite
from workbench.store import Store

_SHOWN_CASES = 10


@dataclass(frozen=True)
class MissingVariables:
    """Variables a prompt uses that a case (with the suite's defaults) does not give."""

    prompt: str
    case_id: str
    description: str
    names: tuple[str, ...]

    @property
    def case_label(self) -> str:
        """The case as messages name it: ``'description' (id)``, or ``'id'``."""
        return case_label(self.case_id, self.description)

    @property
    def sentence(self) -> str:
        """``prompt P, case 'c': missing variable x``."""
        plural = "s" if len(self.names) > 1 else ""
        return (
            f"prompt {self.prompt}, case {self.case_label}: missing variable{plural} "
            f"{', '.join(self.names)}"
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: the case by its id, its description (null without one) apart."""
        return {
            "prompt": self.prompt,
            "case": self.case_id,
            "description": self.description or None,
            "variables": list(self.names),
        }


@dataclass(frozen=True)
class SuiteWarnings:
    """What keeps a suite from running as it is, or from testing anything.

    ``unresolved`` names every reference that does not resolve; ``unresolved_columns`` those
    of them that are a column's model or prompt (the others: the judge)."""

    unresolved: tuple[str, ...] = ()
    missing_variables: tuple[MissingVariables, ...] = ()
    unasserted_cases: tuple[str, ...] = ()
    unresolved_columns: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.unresolved or self.missing_variables or self.unasserted_cases)

    @property
    def sentences(self) -> tuple[str, ...]:
        """One sentence per problem: unresolved references, missing variables, then the cases
        without assertions (all in one)."""
        found = list(self.unresolved)
        found.extend(missing.sentence for missing in self.missing_variables)
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
        """A JSON-ready dict (cases by their ids)."""
        return {
            "unresolved": list(self.unresolved),
            "missing_variables": [missing.to_dict() for missing in self.missing_variables],
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
    unresolved = classify_unresolved_references(store, suite)
    return SuiteWarnings(
        unresolved=tuple(reference.problem for reference in unresolved),
        missing_variables=tuple(
            MissingVariables(prompt, case.id, case.description, names)
            for prompt, case, names in cases_missing_variables(prompts, cases)
        ),
        unasserted_cases=tuple(case.id for case in cases if not case.assertions),
        unresolved_columns=tuple(
            reference.problem for reference in unresolved if reference.kind != "judge"
        ),
    )
