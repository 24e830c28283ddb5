"""Where each wire path lives on screen, so problems and locks appear beside the right input.

Every wizard input registers the wire path it edits (`FieldBoard.bind`). A validation problem
names a wire path; the board puts its message under the input bound to that path, or to the
nearest enclosing path that has one (a problem about `...networkInterfaces[0]` lands on the
interface's card). Problems no input owns are handed back for the Review step's list. Locks
from the edit rules (`locked_fields`: path -> reason) disable every input under the locked path
and show the reason once, at the input or section bound to that exact path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from nicegui import ui
from nicegui.element import Element
from nicegui.elements.mixins.disableable_element import DisableableElement
from nicegui.elements.mixins.validation_element import ValidationElement

from spotkeeper.console.draft import is_under, path_steps
from spotkeeper.console.views import FieldProblem


@dataclass
class _Binding:
    path: str
    step: str
    element: Element
    note: ui.label | None = None  # error text for inputs without a native error slot
    lock_note: ui.label | None = None
    locked_at: str | None = None


@dataclass
class FieldBoard:
    """The wizard's map from wire paths to inputs, one per page."""

    bindings: list[_Binding] = field(default_factory=list)
    locks: dict[str, str] = field(default_factory=dict)
    # step name -> number of errors shown in it (the stepper badges read this)
    errors_by_step: dict[str, int] = field(default_factory=dict)
    on_step_errors: Callable[[dict[str, int]], None] | None = None
    noted_locks: set[str] = field(default_factory=set)

    def reset(self) -> None:
        self.bindings.clear()
        self.noted_locks.clear()

    def bind(self, path: str, element: Element, *, step: str, note: bool = False) -> Element:
        """Register `element` as the editor of `path`. `note=True` adds an error line below it
        for elements that have no error slot of their own (switches, tables, sections)."""
        binding = _Binding(path=path, step=step, element=element)
        if note or not isinstance(element, ValidationElement):
            binding.note = ui.label("").classes("text-negative text-xs sk-field-error")
            binding.note.set_visibility(False)
        self.bindings.append(binding)
        self._apply_lock(binding)
        return element

    def lock_reason(self, path: str) -> str | None:
        """The reason `path` is locked (it or an enclosing path), or None."""
        locked_at = self._locking_path(path)
        return None if locked_at is None else self.locks[locked_at]

    def is_locked(self, path: str) -> bool:
        return self._locking_path(path) is not None

    def _locking_path(self, path: str) -> str | None:
        for locked in sorted(self.locks, key=len):
            if is_under(path, locked):
                return locked
        return None

    def _apply_lock(self, binding: _Binding) -> None:
        locked_at = self._locking_path(binding.path)
        if locked_at is None:
            return
        reason = lock_sentence(self.locks[locked_at])
        # A section (a row of checkboxes, an interface card) is locked as a whole.
        for element in (binding.element, *binding.element.descendants()):
            if isinstance(element, DisableableElement):
                element.disable()
        # The full reason once per locked path, under the first input it disables; the other
        # inputs of that path say "Locked" and give the reason on hover.
        first = locked_at not in self.noted_locks
        if first:
            self.noted_locks.add(locked_at)
            binding.locked_at = locked_at
        if isinstance(binding.element, ValidationElement):
            binding.element.props(remove="hide-bottom-space")
            binding.element.props(f'hint="{_attr(reason if first else "Locked")}"')
            binding.element.tooltip(reason)
            return
        if first:
            with ui.row().classes("items-center gap-1 text-xs text-grey-8 sk-lock-note no-wrap"):
                ui.icon("lock", size="14px").classes("text-amber-8")
                binding.lock_note = ui.label(reason)

    def show(
        self, problems: Iterable[FieldProblem], *, visible: Callable[[str, str], bool] | None = None
    ) -> list[FieldProblem]:
        """Put each problem beside its input; returns the problems no input owns.

        `visible(step, path)` says whether a binding may show its problems yet (steps the user has
        not reached stay clean); hidden problems still count in `errors_by_step`.
        """
        self.prune()
        by_binding: dict[int, list[FieldProblem]] = {}
        unplaced: list[FieldProblem] = []
        counts: dict[str, int] = {}
        for problem in problems:
            target = self._owner(problem.field)
            if target is None:
                unplaced.append(problem)
                continue
            binding = self.bindings[target]
            if problem.severity == "error":
                counts[binding.step] = counts.get(binding.step, 0) + 1
            if visible is None or visible(binding.step, binding.path):
                by_binding.setdefault(target, []).append(problem)
        for index, binding in enumerate(self.bindings):
            found = by_binding.get(index, [])
            errors = [p for p in found if p.severity == "error"]
            message = "; ".join(sentence(p.message) for p in found) or None
            if binding.note is not None:
                binding.note.set_text(message or "")
                binding.note.set_visibility(message is not None)
                tone = "text-negative" if errors or not found else "text-warning"
                binding.note.classes(replace=f"{tone} text-xs sk-field-error")
            elif isinstance(binding.element, ValidationElement):
                binding.element.error = message
        self.errors_by_step = counts
        if self.on_step_errors is not None:
            self.on_step_errors(counts)
        return unplaced

    def prune(self) -> None:
        """Forget inputs that were redrawn (a section rebuilt in place leaves its old ones)."""
        self.bindings = [b for b in self.bindings if not b.element.is_deleted]
        self.noted_locks = {b.locked_at for b in self.bindings if b.locked_at}

    def forget_step(self, step: str) -> None:
        """Drop the bindings of a step whose content is being rebuilt."""
        self.bindings = [b for b in self.bindings if b.step != step]
        self.noted_locks = {b.locked_at for b in self.bindings if b.locked_at}

    def step_of(self, path: str) -> str | None:
        owner = self._owner(path)
        return None if owner is None else self.bindings[owner].step

    def _owner(self, path: str) -> int | None:
        """The binding of `path` or of its nearest enclosing path (latest registration wins)."""
        candidates = _ancestors(path)
        for candidate in candidates:
            for index in range(len(self.bindings) - 1, -1, -1):
                if self.bindings[index].path == candidate:
                    return index
        return None


def _ancestors(path: str) -> list[str]:
    """`a.b[0].c` -> ["a.b[0].c", "a.b[0]", "a.b", "a"] (most specific first)."""
    steps = path_steps(path)
    result: list[str] = []
    for end in range(len(steps), 0, -1):
        text = ""
        for step in steps[:end]:
            text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else step)
        result.append(text)
    return result


def sentence(text: str) -> str:
    """Capitalised, unless it opens with a wire key (`vmNamePrefix may ...` stays as the key is spelt)."""
    text = text.strip()
    first = text.split(" ", 1)[0]
    if not text or any(c.isupper() for c in first[1:]):
        return text
    return text[:1].upper() + text[1:]


def lock_sentence(reason: str) -> str:
    """The edit rules word a reason to follow the field's path ("is locked while ..."); on
    screen it follows the input, so it reads "This field is locked while ..."."""
    text = reason.strip()
    if text.startswith(("is ", "cannot ", "can ")):
        return sentence(f"this field {text}")
    return sentence(text)


def _attr(text: str) -> str:
    return text.replace('"', "'")
