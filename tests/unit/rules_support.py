"""Assertions shared by the create-rule tests (`test_rules_*.py`).

Each rule test breaks one field of a valid node and checks that the rule names it (code AND
field), or keeps the node valid and checks that the rule stays quiet. The shipped catalog is
loaded once for all of them.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from importlib import resources
from typing import Any

from spotkeeper.catalog import Catalog, catalog_from_documents, load_catalog
from spotkeeper.spec.problems import Problem, ValidationReport
from spotkeeper.spec.rules import ImageFacts, validate_node

CATALOG = load_catalog()

Document = dict[str, Any]


def edited_catalog(edit: Callable[[Document, Document, Document], None]) -> Catalog:
    """The shipped catalog after `edit(sizes_doc, regions_doc, images_doc)` changed its data."""
    data = resources.files("spotkeeper.catalog").joinpath("data")
    docs = [
        copy.deepcopy(json.loads(data.joinpath(name).read_text(encoding="utf-8")))
        for name in ("vm_sizes.json", "regions.json", "images.json")
    ]
    edit(*docs)
    return catalog_from_documents(*docs)


def report_for(
    raw: Mapping[str, Any], *, images: ImageFacts | None = None, catalog: Catalog | None = None
) -> ValidationReport:
    return validate_node(raw, catalog=catalog or CATALOG, images=images)


def all_problems(report: ValidationReport) -> list[Problem]:
    return [*report.errors, *report.warnings]


def assert_problem(
    raw: Mapping[str, Any],
    code: str,
    field: str,
    *,
    severity: str = "error",
    images: ImageFacts | None = None,
    catalog: Catalog | None = None,
) -> Problem:
    """The report holds a problem with this code on this field, of this severity."""
    report = report_for(raw, images=images, catalog=catalog)
    for problem in all_problems(report):
        if problem.code == code and problem.field == field:
            assert problem.severity == severity, (
                f"{code} at {field} is a {problem.severity}, expected {severity}"
            )
            return problem
    listed = "\n".join(str(p) for p in all_problems(report)) or "(none)"
    raise AssertionError(f"expected {code} at {field}; the report has:\n{listed}")


def assert_no_problem(
    raw: Mapping[str, Any], code: str, *, images: ImageFacts | None = None, catalog: Catalog | None = None
) -> None:
    """No problem with this code anywhere, and the node is still valid."""
    report = report_for(raw, images=images, catalog=catalog)
    found = [p for p in all_problems(report) if p.code == code]
    assert not found, f"unexpected {code}: {[str(p) for p in found]}"
    assert report.valid, f"node should be valid, errors: {[str(p) for p in report.errors]}"
