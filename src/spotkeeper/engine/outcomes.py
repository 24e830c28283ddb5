"""What a step of an operation says back to the operation runner."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class Done:
    """The step's goal holds; move to the next step."""


@dataclass(frozen=True)
class Checkpoint:
    """The step's goal holds, and what it decided must be stored before anything acts on it:
    the pass ends here (the worker writes the state) and the next step runs on the next pass,
    at once. `choose` ends this way, so every resource named after the chosen market's
    generation is created under a choice that a crashed worker's successor will find again."""


@dataclass(frozen=True)
class Wait:
    """The cloud is still working (or must not be asked yet); come back after `delay`."""

    delay: timedelta
    reason: str = ""


@dataclass(frozen=True)
class Goto:
    """Jump to another step (e.g. back to `choose` after a market refused the VM)."""

    step: str


@dataclass(frozen=True)
class Abandon:
    """Give the operation up and return to the phase before it (a revert with no spot left)."""

    reason: str


@dataclass(frozen=True)
class Fail:
    """A permanent problem a person must look at; the node goes to `failed` with `reason`."""

    reason: str


StepOutcome = Done | Checkpoint | Wait | Goto | Abandon | Fail
