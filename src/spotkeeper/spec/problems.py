"""The one shape every validation finding takes, from the model parser to the edit rules.

A `Problem` names a stable `code` (what broke), the dotted wire `field` path from the node root
with list indices in brackets (`compute.vmSizes.spotSizes[2]`), and a `message` a person can act
on. Errors block; warnings are shown and let the node through.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    code: str
    field: str
    message: str
    severity: Severity = "error"

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "field": self.field, "message": self.message}

    def __str__(self) -> str:
        return f"{self.field or '(node)'}: {self.message} [{self.code}]"


@dataclass
class ValidationReport:
    """All problems found at once; `valid` means no errors (warnings allowed)."""

    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors

    def add(self, problem: Problem) -> None:
        (self.errors if problem.severity == "error" else self.warnings).append(problem)

    def extend(self, problems: list[Problem]) -> None:
        for problem in problems:
            self.add(problem)

    def as_dict(self) -> dict[str, object]:
        return {
            "valid": self.valid,
            "errors": [p.as_dict() for p in self.errors],
            "warnings": [p.as_dict() for p in self.warnings],
        }


class SpecError(ValueError):
    """Raised by use cases when a node (or an edit) does not validate; carries every problem."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems) or "invalid stateful node")
