"""`spotkeeper whatif FILE`: what a node would cost and endure over N simulated days.

No server and no Azure account: the node runs on the simulated Azure with the real engine, on
a manual clock that jumps from one event to the next (`spotkeeper.whatif`), so a month in a
volatile market takes seconds. The answer is a forecast under the simulator's market model
(prices from the shipped catalog, evictions by Azure's published eviction-rate bands), not a
promise; the same seed gives the same run.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from spotkeeper.cli.output import console, emit_json, print_problems
from spotkeeper.spec.documents import read_node_file
from spotkeeper.spec.problems import SpecError
from spotkeeper.whatif import WhatIfReport

MAX_DAYS = 366


class ScenarioChoice(StrEnum):
    calm = "calm"
    volatile = "volatile"
    drought = "drought"


def register(app: typer.Typer) -> None:
    app.command("whatif")(whatif)


def report_json(report: WhatIfReport) -> dict[str, object]:
    return {
        "scenario": report.scenario,
        "seed": report.seed,
        "start": report.start.isoformat(),
        "end": report.end.isoformat(),
        "days": round((report.end - report.start).total_seconds() / 86400, 6),
        "totalCost": round(report.total_cost, 6),
        "totalOdCost": round(report.total_od_cost, 6),
        "savingsPct": round(report.savings_pct, 3),
        "uptimePct": round(report.uptime_pct, 3),
        "nodes": [
            {
                "id": n.node_id,
                "name": n.name,
                "status": n.status,
                "hours": round(n.hours, 6),
                "runningHours": round(n.running_hours, 6),
                "spotHours": round(n.spot_hours, 6),
                "odHours": round(n.od_hours, 6),
                "cost": round(n.actual_cost, 6),
                "odCost": round(n.od_cost, 6),
                "savingsPct": round(n.savings_pct, 3),
                "evictions": n.evictions,
                "recoveries": n.recoveries,
                "reverts": n.reverts,
            }
            for n in report.nodes
        ],
    }


def report_table(report: WhatIfReport, *, title: str) -> Table:
    """One column per node, one row per figure (fits a narrow terminal)."""
    table = Table(title=title)
    table.add_column("")
    for n in report.nodes:
        table.add_column(escape(n.name), justify="right")
    rows: list[tuple[str, list[str]]] = [
        ("status at the end", [n.status for n in report.nodes]),
        ("hours running", [f"{n.running_hours:,.1f} of {n.hours:,.1f}" for n in report.nodes]),
        ("uptime", [f"{100 * n.running_hours / n.hours if n.hours else 0.0:.1f}%" for n in report.nodes]),
        ("on spot / on-demand", [f"{n.spot_hours:,.1f} h / {n.od_hours:,.1f} h" for n in report.nodes]),
        ("cost", [f"${n.actual_cost:,.2f}" for n in report.nodes]),
        ("all on-demand would cost", [f"${n.od_cost:,.2f}" for n in report.nodes]),
        ("saved", [f"${n.od_cost - n.actual_cost:,.2f} ({n.savings_pct:.1f}%)" for n in report.nodes]),
        ("evictions", [str(n.evictions) for n in report.nodes]),
        ("recoveries", [str(n.recoveries) for n in report.nodes]),
        ("reverts to spot", [str(n.reverts) for n in report.nodes]),
    ]
    for label, cells in rows:
        table.add_row(label, *cells)
    return table


def whatif(
    file: Annotated[Path, typer.Argument(help="node file: JSON ({'statefulNode': …} or bare) or .tf")],
    days: Annotated[
        float, typer.Option("--days", min=0.01, max=MAX_DAYS, help="simulated days to run")
    ] = 30.0,
    scenario: Annotated[
        ScenarioChoice, typer.Option("--scenario", help="market weather: calm, volatile or drought")
    ] = ScenarioChoice.calm,
    seed: Annotated[int, typer.Option("--seed", help="same seed, same run")] = 0,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Run the node on the simulated Azure for N days: cost, savings, evictions, uptime."""
    from spotkeeper.spec.rules import validate_node
    from spotkeeper.whatif import WhatIf

    try:
        node = read_node_file(file)
    except SpecError as error:
        print_problems(error.problems, title="the node file cannot be read")
        raise typer.Exit(1) from None
    report = validate_node(node)
    if not report.valid:
        print_problems(report.errors, title=f"{len(report.errors)} error(s); nothing simulated")
        raise typer.Exit(1)
    run = WhatIf(scenario=scenario.value, seed=seed)
    run.add_node(node)
    run.run_for(timedelta(days=days))
    outcome = run.report()
    if as_json:
        emit_json(report_json(outcome))
        return
    console.print(
        report_table(outcome, title=f"{days:g} simulated days, {scenario.value} market, seed {seed}")
    )
    console.print(
        f"paid [bold]${outcome.total_cost:,.2f}[/] instead of ${outcome.total_od_cost:,.2f} "
        f"on-demand: [bold green]{outcome.savings_pct:.1f}% saved[/]; "
        f"running {outcome.uptime_pct:.1f}% of the time (paused hours count as not running)"
    )
