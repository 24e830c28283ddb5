"""The example node files in `examples/` are valid creates, without errors or warnings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from spotkeeper.spec.documents import read_node_file
from tests.unit.rules_support import all_problems, report_for

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
REQUIRED_EXAMPLES = {
    "minimal-linux.json",
    "full-linux.json",
    "windows.json",
    "confidential-vm.json",
    "attribute-sizes.json",
}


def test_the_promised_examples_exist() -> None:
    assert {path.name for path in EXAMPLES.glob("*.json")} >= REQUIRED_EXAMPLES


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.json")), ids=lambda path: path.name)
def test_each_example_is_a_valid_node_with_no_warnings(path: Path) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    assert list(document) == ["statefulNode"]
    report = report_for(read_node_file(path))
    assert report.valid, [str(p) for p in report.errors]
    assert not all_problems(report), [str(p) for p in all_problems(report)]


def test_the_full_example_fills_in_every_section() -> None:
    node = read_node_file(EXAMPLES / "full-linux.json")
    assert {"strategy", "compute", "persistence", "health", "scheduling", "description"} <= set(node)
    launch = node["compute"]["launchSpecification"]
    for key in (
        "image",
        "security",
        "login",
        "network",
        "loadBalancersConfig",
        "osDisk",
        "dataDisks",
        "bootDiagnostics",
        "extensions",
        "tags",
        "customData",
        "userData",
        "shutdownScript",
    ):
        assert key in launch, key


def test_the_confidential_example_uses_dcasv5_sizes_in_eastus() -> None:
    node = read_node_file(EXAMPLES / "confidential-vm.json")
    assert node["region"] == "eastus"
    assert node["compute"]["launchSpecification"]["security"]["securityType"] == "ConfidentialVM"
    sizes = node["compute"]["vmSizes"]
    assert all(name.startswith("standard_dc") for name in sizes["spotSizes"] + sizes["odSizes"])


def test_the_attribute_example_selects_spot_sizes_by_attributes() -> None:
    sizes = read_node_file(EXAMPLES / "attribute-sizes.json")["compute"]["vmSizes"]
    assert "spotSizeAttributes" in sizes and "spotSizes" not in sizes
