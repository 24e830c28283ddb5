"""The create rules of a stateful node: every rule of the seed and the reference's field notes,
each a named check with a stable code, the wire path of the field at fault and a message a
person can act on.

    report = validate_node(raw)            # raw = the `statefulNode` wire dict
    report.valid, report.errors, report.warnings

A node that does not even parse (unknown key, wrong type, bad enum value) gets the parser's
problems only: rules reason about a well-formed node. Otherwise every rule runs and the report
holds all problems at once. Sections live in sibling modules, in wizard order; each exports
`RULES`, a tuple of functions `RuleContext -> Iterable[Problem]`.

`images` (optional) tells the rules what the cloud inventory knows about custom and gallery
images (specialized or not, data disks), e.g. `KnownImages(inventory.images)`; without it those
image rules have nothing to check.
"""

from __future__ import annotations

from collections.abc import Mapping

from spotkeeper.catalog import Catalog, load_catalog
from spotkeeper.spec.models import StatefulNode, parse_node
from spotkeeper.spec.problems import Problem, SpecError, ValidationReport
from spotkeeper.spec.rules import (
    advanced,
    basics,
    disks,
    health,
    image,
    login,
    network,
    persistence,
    security,
    sizes,
    strategy,
    vm_options,
)
from spotkeeper.spec.rules.basics import CREATE_REQUIRED, required_problems
from spotkeeper.spec.rules.context import ImageFacts, KnownImages, Rule, RuleContext, run_rules

ALL_RULES: tuple[Rule, ...] = (
    *basics.RULES,
    *persistence.RULES,
    *image.RULES,
    *security.RULES,
    *login.RULES,
    *sizes.RULES,
    *strategy.RULES,
    *network.RULES,
    *health.RULES,
    *disks.RULES,
    *vm_options.RULES,
    *advanced.RULES,
)

__all__ = [
    "ALL_RULES",
    "CREATE_REQUIRED",
    "ImageFacts",
    "KnownImages",
    "RuleContext",
    "required_problems",
    "validate_for_create",
    "validate_node",
    "validate_parsed",
]


def validate_node(
    raw: Mapping[str, object], *, catalog: Catalog | None = None, images: ImageFacts | None = None
) -> ValidationReport:
    """Every problem of a node about to be created; `report.valid` when there are no errors."""
    report = ValidationReport()
    try:
        node = parse_node(raw)
    except SpecError as failure:
        report.extend(failure.problems)
        return report
    report.extend(validate_parsed(node, catalog=catalog, images=images))
    return report


def validate_parsed(
    node: StatefulNode, *, catalog: Catalog | None = None, images: ImageFacts | None = None
) -> list[Problem]:
    """The rule problems of an already parsed node (e.g. an update merged into the stored node)."""
    context = RuleContext(node, catalog=catalog if catalog is not None else load_catalog(), images=images)
    return _unique(run_rules(context, ALL_RULES))


def _unique(problems: list[Problem]) -> list[Problem]:
    """Drop exact repeats (two rules may reach the same fact from different sides)."""
    seen: set[Problem] = set()
    unique: list[Problem] = []
    for problem in problems:
        if problem not in seen:
            seen.add(problem)
            unique.append(problem)
    return unique


validate_for_create = validate_node
