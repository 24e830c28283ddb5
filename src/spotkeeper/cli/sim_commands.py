"""`spotkeeper sim serve`: one simulated Azure, served as ARM over HTTPS, for other processes.

`spotkeeper up` keeps the simulated Azure inside its own process. To split spotkeeper into
`serve` and `worker` processes, or to run the real Azure driver against something that is not
Azure, the simulated cloud has to live in a process of its own that everyone reaches the way
they would reach Azure: this command serves it through the ARM facade (`spotkeeper.sim.arm`)
on HTTPS with a throw-away certificate, and prints the base URL and the CA certificate a
client must trust (`connection_verify=`). With `--data-dir` the simulated Azure and the
certificate survive a restart (saved every 30 s and on a clean stop, as `up` does).
"""

from __future__ import annotations

import contextlib
import json
import signal
import sys
import threading
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from spotkeeper.cli.output import console, errors
from spotkeeper.cli.whatif_commands import ScenarioChoice

EXIT_USAGE = 2
EXIT_SERVER = 3
DEFAULT_ARM_PORT = 8443
SAVE_EVERY_S = 30.0
STATE_DIR = "sim-arm"  # inside --data-dir, apart from `spotkeeper up`'s own simulator

app = typer.Typer(
    help="The simulated Azure on its own: serve it as Azure Resource Manager over HTTPS.",
    no_args_is_help=True,
)


class LatencyChoice(StrEnum):
    azure_typical = "azure-typical"
    instant = "instant"


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option("--host", help="address to listen on")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", min=0, max=65535, help="TCP port (0: any free port)")
    ] = DEFAULT_ARM_PORT,
    data_dir: Annotated[
        Path | None,
        typer.Option("--data-dir", help="keep the simulated Azure and its certificate here across restarts"),
    ] = None,
    scenario: Annotated[
        ScenarioChoice, typer.Option("--scenario", help="the simulated market's weather")
    ] = ScenarioChoice.calm,
    seed: Annotated[int, typer.Option("--seed", help="the simulated Azure's seed")] = 0,
    sim_speed: Annotated[
        float, typer.Option("--sim-speed", min=0.001, help="simulated seconds per real second")
    ] = 1.0,
    latency: Annotated[
        LatencyChoice, typer.Option("--latency", help="how long simulated Azure operations take")
    ] = LatencyChoice.azure_typical,
    manual_clock: Annotated[
        bool,
        typer.Option(
            "--manual-clock",
            help="time moves only through POST /_sim/clock/advance (and LRO polls); ignores --sim-speed",
        ),
    ] = False,
    empty: Annotated[
        bool, typer.Option("--empty", help="start without the default world (sk-sandbox, sk-vnet, ...)")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="print one JSON line {baseUrl, caPem, subscriptionId, controlUrl}")
    ] = False,
) -> None:
    """Serve a simulated Azure as ARM over HTTPS until Ctrl-C."""
    from spotkeeper.app import SimSnapshots, resume_clock
    from spotkeeper.clock import Clock, ManualClock
    from spotkeeper.sim import SimAzure, seed_default_world
    from spotkeeper.sim.arm import ArmServer

    state_dir = None if data_dir is None else data_dir.expanduser() / STATE_DIR
    snapshots = None if state_dir is None else SimSnapshots(state_dir / "sim.pickle")
    if state_dir is not None:
        state_dir.mkdir(parents=True, exist_ok=True)
    saved = None if snapshots is None else snapshots.saved_time()
    clock: Clock
    if manual_clock:
        clock = ManualClock(saved) if saved is not None else ManualClock()
    else:
        clock = resume_clock(speed=sim_speed, saved=saved)
    fresh = SimAzure(clock, seed=seed, scenario=scenario.value, latency=latency.value)
    sim = None if snapshots is None else snapshots.restore(fresh)
    restored = sim is not None
    if sim is None:
        sim = fresh
        if not empty:
            seed_default_world(sim)
    server = ArmServer(
        sim,
        host=host,
        port=port,
        cert_dir=None if state_dir is None else state_dir / "tls",
        auto_advance=manual_clock,
    )
    try:
        base_url, ca_pem = server.start()
    except OSError as error:
        errors.print(f"[red]--port: {escape(str(error))}[/]")
        raise typer.Exit(EXIT_SERVER) from None
    if as_json:
        info = {
            "baseUrl": base_url,
            "caPem": ca_pem,
            "subscriptionId": sim.subscription_id,
            "controlUrl": f"{base_url}/_sim",
        }
        sys.stdout.write(json.dumps(info) + "\n")
        sys.stdout.flush()
    else:
        timing = "manual (POST /_sim/clock/advance)" if manual_clock else f"{sim_speed:g}x real time"
        origin = f"restored from {snapshots.path}" if restored and snapshots else "new"
        lines = [
            f"[bold]simulated Azure (ARM) at[/] {base_url}",
            f"  CA certificate  {escape(ca_pem)}  [dim](clients: connection_verify=<this path>)[/]",
            f"  subscription    {sim.subscription_id}",
            f"  state           {origin}; {scenario.value} market, seed {seed}, "
            f"{latency.value} latency, {timing}",
            f"  control API     {base_url}/_sim",
            "Ctrl-C stops it.",
        ]
        for line in lines:
            console.print(line, soft_wrap=True)
    stop = threading.Event()

    def save() -> None:
        if snapshots is not None:
            snapshots.save(sim, scenario=scenario.value)

    def keep_saving() -> None:
        while not stop.wait(SAVE_EVERY_S):
            save()

    saver = threading.Thread(target=keep_saving, name="sim-arm-snapshots", daemon=True)
    saver.start()
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()
    finally:
        stop.set()
        server.stop()
        save()


def _stop_on_sigterm(signum: int, frame: object) -> None:
    """`kill` stops the server as Ctrl-C does, so the simulated Azure is saved."""
    raise KeyboardInterrupt
