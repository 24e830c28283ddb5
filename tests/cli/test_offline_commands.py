"""The commands that need no server: validate, export, catalog, whatif and the demo."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from spotkeeper.cli import app
from spotkeeper.cli.demo import DEMO_NODE
from spotkeeper.spec.rules import validate_node
from spotkeeper.spec.terraform import hcl_to_node

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
runner = CliRunner()


def test_validate_exits_0_for_every_example() -> None:
    for example in sorted(EXAMPLES.glob("*.json")):
        result = runner.invoke(app, ["validate", str(example)])
        assert result.exit_code == 0, (example.name, result.output)
        assert "is a valid stateful node" in result.stdout


def test_validate_exits_1_and_names_each_bad_field(tmp_path: Path) -> None:
    node = json.loads((EXAMPLES / "minimal-linux.json").read_text())
    node["statefulNode"]["region"] = "atlantis"
    node["statefulNode"]["compute"]["vmSizes"]["spotSizes"] = ["standard_nope_v9"]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(node))
    result = runner.invoke(app, ["validate", str(path), "--json"])
    assert result.exit_code == 1
    fields = {problem["field"] for problem in json.loads(result.stdout)["errors"]}
    assert "region" in fields


def test_export_turns_json_into_terraform_that_reads_back_the_same(tmp_path: Path) -> None:
    result = runner.invoke(app, ["export", str(EXAMPLES / "minimal-linux.json"), "--format", "terraform"])
    assert result.exit_code == 0, result.output
    original = json.loads((EXAMPLES / "minimal-linux.json").read_text())["statefulNode"]
    assert hcl_to_node(result.stdout)["compute"]["vmSizes"] == original["compute"]["vmSizes"]


def test_catalog_sizes_lists_costs_and_refuses_an_unknown_region() -> None:
    result = runner.invoke(
        app, ["catalog", "sizes", "--region", "eastus", "--min-cpu", "2", "--max-cpu", "2", "--json"]
    )
    assert result.exit_code == 0, result.output
    sizes = json.loads(result.stdout)["supported"]
    assert sizes and all(row["vCpus"] == 2 for row in sizes)
    assert all(row["odCostPerMonth"] > 0 for row in sizes)
    unknown = runner.invoke(app, ["catalog", "sizes", "--region", "atlantis"])
    assert unknown.exit_code == 1 and "--region" in unknown.stderr


def test_whatif_reports_cost_savings_evictions_and_uptime_reproducibly() -> None:
    args = [
        "whatif",
        str(EXAMPLES / "minimal-linux.json"),
        "--days",
        "3",
        "--scenario",
        "volatile",
        "--seed",
        "7",
        "--json",
    ]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    report = json.loads(first.stdout)
    node = report["nodes"][0]
    assert report["days"] == 3 and report["scenario"] == "volatile"
    assert 0 < report["totalCost"] < report["totalOdCost"]
    assert 0 < report["savingsPct"] < 100
    assert 0 < report["uptimePct"] <= 100
    assert node["spotHours"] + node["odHours"] == node["runningHours"]
    assert node["evictions"] <= node["recoveries"]
    assert json.loads(runner.invoke(app, args).stdout) == report  # same seed, same run


def test_whatif_prints_a_table_for_people() -> None:
    result = runner.invoke(app, ["whatif", str(EXAMPLES / "minimal-linux.json"), "--days", "1"])
    assert result.exit_code == 0, result.output
    assert "minimal-linux" in result.stdout and "saved" in result.stdout and "evictions" in result.stdout


def test_whatif_refuses_an_invalid_node_naming_the_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"statefulNode": {"name": 3}}))
    result = runner.invoke(app, ["whatif", str(path)])
    assert result.exit_code == 1
    assert "name:" in result.stdout and "nothing simulated" in result.stdout


def test_whatif_days_out_of_range_is_a_usage_error() -> None:
    result = runner.invoke(app, ["whatif", str(EXAMPLES / "minimal-linux.json"), "--days", "0"])
    assert result.exit_code == 2


def test_the_demo_node_is_valid() -> None:
    assert validate_node(DEMO_NODE).valid, validate_node(DEMO_NODE).errors


def test_demo_shows_the_node_coming_back_the_same_after_an_eviction() -> None:
    result = runner.invoke(app, ["demo", "--days", "1"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Preempt" in out
    assert "still there" in out
    table = out[out.index("Before and after the eviction") :]
    for row in ("VM name", "private IP", "public IP", "OS disk", "data disks", "data disk sha256"):
        line = next(line for line in table.splitlines() if row in line)
        assert "yes" in line and "NO" not in line, line
    assert "% saved" in out


def test_demo_refuses_a_node_file_that_is_not_valid(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text("[]")
    result = runner.invoke(app, ["demo", "--file", str(path)])
    assert result.exit_code == 1
