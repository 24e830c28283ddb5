"""`spotkeeper demo`: a scripted tour of the one promise spotkeeper makes, in a few seconds.

A node is created on the simulated Azure, launches on Spot, gets data written to its disk,
is evicted, and comes back as the same machine: same VM name, same private and public IP, same
disks with the same bytes on them (the disk fingerprint proves it). Then a stretch of simulated
days shows what the node cost against on-demand. Everything runs in this process on a manual
clock (`spotkeeper.whatif`), so the tour needs no server, no account and no waiting; the Azure
timings (VM create, disk attach, the 30-second Preempt notice) are the simulator's
`azure-typical` latency model, shown in simulated time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from spotkeeper.cli.output import console, print_problems
from spotkeeper.cli.whatif_commands import ScenarioChoice, report_table
from spotkeeper.engine.state import NodeState
from spotkeeper.spec.documents import read_node_file
from spotkeeper.spec.problems import SpecError
from spotkeeper.whatif import WhatIf

STEP = timedelta(seconds=5)
PHASE_LIMIT = timedelta(hours=2)  # a launch or a recovery that takes longer than this is a failure
DEMO_DATA = b"orders.db: 1,024 orders written before the eviction\n"
_SSH_KEY = (
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEjF3vNTHBc0sr/+SCDJCpOFK43sALOmZd1QtC/6Bjsr azureuser@example"
)

DEMO_NODE: dict[str, Any] = {
    "name": "demo-db",
    "region": "eastus",
    "resourceGroupName": "sk-sandbox",
    "strategy": {
        "fallbackToOd": True,
        "preferredLifecycle": "spot",
        "drainingTimeout": 30,
        "revertToSpot": {"performAt": "always"},
    },
    "compute": {
        "os": "Linux",
        "zones": ["1"],
        "vmSizes": {
            "odSizes": ["standard_d2s_v5"],
            "spotSizes": ["standard_d2s_v5", "standard_d2as_v5", "standard_d4s_v5"],
        },
        "launchSpecification": {
            "vmName": "demo-db",
            "image": {
                "marketplace": {
                    "publisher": "Canonical",
                    "offer": "0001-com-ubuntu-server-jammy",
                    "sku": "22_04-lts-gen2",
                    "version": "latest",
                }
            },
            "login": {"userName": "azureuser", "sshPublicKey": _SSH_KEY},
            "network": {
                "resourceGroupName": "sk-sandbox",
                "virtualNetworkName": "sk-vnet",
                "networkInterfaces": [
                    {
                        "isPrimary": True,
                        "subnetName": "default",
                        "assignPublicIp": True,
                        "publicIpSku": "Standard",
                    }
                ],
            },
            "osDisk": {"type": "Premium_LRS", "sizeGB": 64},
            "dataDisks": [{"lun": 0, "sizeGB": 128, "type": "Premium_LRS"}],
            "tags": [{"tagKey": "app", "tagValue": "demo"}],
        },
    },
    "persistence": {
        "shouldPersistOsDisk": True,
        "osDiskPersistenceMode": "reattach",
        "shouldPersistDataDisks": True,
        "dataDisksPersistenceMode": "reattach",
        "shouldPersistNetwork": True,
    },
}


@dataclass(frozen=True)
class Identity:
    """What a stateful node promises to keep across VM replacements."""

    vm_name: str
    private_ip: str
    public_ip: str
    os_disk: str
    data_disks: tuple[str, ...]
    data_fingerprint: str
    size: str
    zone: str
    lifecycle: str


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


class Tour:
    """The demo's moves over one what-if run, narrating the engine's log as it happens."""

    def __init__(self, run: WhatIf, node_id: str, *, pace: float) -> None:
        self.run = run
        self.node_id = node_id
        self.pace = pace
        self.printed = 0

    @property
    def state(self) -> NodeState:
        return self.run.engine.nodes[self.node_id].state

    @property
    def status(self) -> str:
        return self.run.engine.nodes[self.node_id].status

    def narrate(self) -> None:
        events = self.run.engine.nodes[self.node_id].events
        for event in events[self.printed :]:
            stamp = self._elapsed(event.at or self.run.clock.now())
            style = {"WARN": "yellow", "ERROR": "red"}.get(event.severity, "")
            text = escape(event.message)
            console.print(f"  [dim]{stamp}[/] " + (f"[{style}]{text}[/]" if style else text), soft_wrap=True)
        self.printed = len(events)

    def _elapsed(self, at: datetime) -> str:
        seconds = int((at - self.run.started).total_seconds())
        return f"T+{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"

    def run_until_running(self, *, what: str) -> timedelta:
        """Step simulated time until the node runs again; returns how long that took."""
        began = self.run.clock.now()
        seen_busy = False
        while self.run.clock.now() - began < PHASE_LIMIT:
            self.run.run_for(STEP)
            self.narrate()
            seen_busy = seen_busy or self.status != "active"
            if seen_busy and self.status == "active" and self.state.vm is not None:
                return self.run.clock.now() - began
        raise RuntimeError(
            f"{what} did not finish within {PHASE_LIMIT} of simulated time; the node is {self.status}"
        )

    def identity(self) -> Identity:
        state = self.state
        vm = state.vm
        if vm is None or state.os_disk is None:
            raise RuntimeError(f"the node has no VM ({self.status})")
        nic = next((n for n in state.nics if n.is_primary), state.nics[0] if state.nics else None)
        data = tuple(d.id for d in state.data_disks)
        fingerprint = self.run.sim.disk_fingerprint(data[0]) if data else "-"
        return Identity(
            vm_name=vm.name,
            private_ip=(nic.private_ip if nic else None) or "-",
            public_ip=(nic.public_ip_address if nic else None) or "-",
            os_disk=state.os_disk.id,
            data_disks=data,
            data_fingerprint=fingerprint,
            size=vm.size,
            zone=vm.zone or "-",
            lifecycle=vm.lifecycle,
        )

    def pause_for_audience(self) -> None:
        if self.pace > 0:
            time.sleep(self.pace)


def _short(resource_id: str) -> str:
    return resource_id.rsplit("/", 1)[-1]


def identity_table(before: Identity, after: Identity | None = None) -> Table:
    table = Table(title="The node's identity" if after is None else "Before and after the eviction")
    table.add_column("")
    table.add_column("before eviction" if after else "value")
    if after is not None:
        table.add_column("after recovery")
        table.add_column("kept?")
    rows = [
        ("VM name", before.vm_name, after.vm_name if after else ""),
        ("private IP", before.private_ip, after.private_ip if after else ""),
        ("public IP", before.public_ip, after.public_ip if after else ""),
        ("OS disk", _short(before.os_disk), _short(after.os_disk) if after else ""),
        (
            "data disks",
            ", ".join(_short(d) for d in before.data_disks),
            ", ".join(_short(d) for d in after.data_disks) if after else "",
        ),
        ("data disk sha256", before.data_fingerprint[:16], after.data_fingerprint[:16] if after else ""),
    ]
    for label, old, new in rows:
        if after is None:
            table.add_row(label, old)
        else:
            table.add_row(label, old, new, "[green]yes[/]" if old == new else "[red]NO[/]")
    market = (
        f"{before.size} zone {before.zone} {before.lifecycle}",
        f"{after.size} zone {after.zone} {after.lifecycle}" if after else "",
    )
    if after is None:
        table.add_row("market", market[0])
    else:
        table.add_row("market", market[0], market[1], "[dim]chosen anew[/]")
    return table


def demo(
    file: Annotated[
        Path | None, typer.Option("--file", "-f", help="a node file of your own (persistence on)")
    ] = None,
    days: Annotated[
        float, typer.Option("--days", min=0.0, max=90.0, help="simulated days for the cost table")
    ] = 7.0,
    scenario: Annotated[ScenarioChoice, typer.Option("--scenario")] = ScenarioChoice.calm,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    pace: Annotated[float, typer.Option("--pace", min=0.0, help="real seconds to pause between steps")] = 0.0,
) -> None:
    """A terminal tour: launch on Spot, write data, evict, come back the same, see the savings."""
    from spotkeeper.spec.rules import validate_node

    try:
        spec = read_node_file(file) if file is not None else DEMO_NODE
    except SpecError as error:
        print_problems(error.problems, title="the node file cannot be read")
        raise typer.Exit(1) from None
    report = validate_node(spec)
    if not report.valid:
        print_problems(report.errors, title=f"{len(report.errors)} error(s) in the node")
        raise typer.Exit(1)
    run = WhatIf(scenario=scenario.value, seed=seed, latency="azure-typical")
    console.print(
        Panel.fit(
            "A stateful node on a simulated Azure, on simulated time (T+hh:mm:ss).\n"
            "Watch it launch on Spot, survive an eviction as the same machine, and cost less.",
            title="spotkeeper demo",
        )
    )
    tour = Tour(run, run.add_node(spec), pace=pace)
    try:
        _launch_write_evict(tour)
    except RuntimeError as error:
        console.print(f"[red]{error}[/]")
        raise typer.Exit(3) from None
    if days > 0:
        console.print(f"\n[bold]4. {days:g} more simulated days in a {scenario.value} market[/]")
        run.run_for(timedelta(days=days))
        outcome = run.report()
        console.print(
            report_table(
                outcome, title=f"{(run.clock.now() - run.started).days} days of {outcome.nodes[0].name}"
            )
        )
        console.print(
            f"paid [bold]${outcome.total_cost:,.2f}[/] instead of ${outcome.total_od_cost:,.2f} "
            f"on-demand: [bold green]{outcome.savings_pct:.1f}% saved[/]"
        )


def _launch_write_evict(tour: Tour) -> None:
    run = tour.run
    console.print("\n[bold]1. Create the node; the engine picks a market and launches its VM[/]")
    took = tour.run_until_running(what="the launch")
    before = tour.identity()
    console.print(f"[green]running after {int(took.total_seconds())} simulated seconds[/]")
    tour.pause_for_audience()

    console.print("\n[bold]2. The workload writes data to its data disk[/]")
    if before.data_disks:
        run.sim.write_disk(before.data_disks[0], DEMO_DATA)
        before = tour.identity()
        console.print(f"  wrote {len(DEMO_DATA)} bytes to {_short(before.data_disks[0])}")
    console.print(identity_table(before))
    tour.pause_for_audience()

    console.print("\n[bold]3. Azure evicts the Spot VM (30-second Preempt notice)[/]")
    vm = tour.state.vm
    if vm is None or vm.lifecycle != "spot":
        raise RuntimeError("the node did not launch on Spot, so there is nothing to evict")
    run.cloud.simulate_eviction(run.engine.nodes[tour.node_id].spec.resource_group_name or "", vm.name)
    run.engine.wake(tour.node_id)
    took = tour.run_until_running(what="the recovery")
    after = tour.identity()
    console.print(f"[green]back after {int(took.total_seconds())} simulated seconds[/]")
    console.print(identity_table(before, after))
    if after.data_disks:
        kept = run.sim.read_disk(after.data_disks[0]) == DEMO_DATA
        console.print(
            "  the data written before the eviction is "
            + ("[green]still there[/]" if kept else "[red]gone[/]")
        )
    tour.pause_for_audience()
