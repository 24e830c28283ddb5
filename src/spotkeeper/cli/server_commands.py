"""`spotkeeper up`, `serve` and `worker`: run spotkeeper itself.

`up` is the main job: API, console, worker and the simulated Azure in one process, on SQLite
by default, printing the URL and a token. `serve` and `worker` are the split form for several
processes sharing a PostgreSQL store; they need a cloud that every process sees the same way,
which the in-memory simulated Azure is not (each process would hold a private Azure of its
own), so with `--cloud sim` they refuse and point at `up`. With `--cloud azure` they use the
Azure driver: against Azure (`--azure-subscription`, credentials from DefaultAzureCredential),
or against one simulated Azure served as ARM by `spotkeeper sim serve` (`--azure-endpoint`,
`--azure-ca`).
"""

from __future__ import annotations

import contextlib
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from spotkeeper.cli.output import console, errors
from spotkeeper.cli.whatif_commands import ScenarioChoice
from spotkeeper.settings import (
    AZURE_CA_ENV,
    AZURE_ENDPOINT_ENV,
    AZURE_SUBSCRIPTION_ENV,
    CLOUD_ENV,
    DATA_DIR_ENV,
    DATABASE_URL_ENV,
    DEFAULT_HOST,
    DEFAULT_PORT,
    HOST_ENV,
    PORT_ENV,
    SCENARIO_ENV,
    SEED_ENV,
    SIM_SPEED_ENV,
    TOKEN_ENV,
    ServerSettings,
    data_dir_from,
    database_url_from,
)

EXIT_USAGE = 2
EXIT_SERVER = 3
SIM_LATENCY_ENV = "SPOTKEEPER_SIM_LATENCY"


class CloudChoice(StrEnum):
    sim = "sim"
    azure = "azure"


class LatencyChoice(StrEnum):
    azure_typical = "azure-typical"
    instant = "instant"


def register(app: typer.Typer) -> None:
    app.command("up")(up)
    app.command("serve")(serve)
    app.command("worker")(worker)


HostOption = typer.Option(DEFAULT_HOST, "--host", envvar=HOST_ENV, help="address to listen on")
PortOption = typer.Option(DEFAULT_PORT, "--port", envvar=PORT_ENV, min=0, max=65535, help="TCP port")
DataDirOption = typer.Option(
    None,
    "--data-dir",
    envvar=DATA_DIR_ENV,
    show_default=False,
    help="state directory [default: ~/.local/share/spotkeeper]",
)
DatabaseOption = typer.Option(
    None,
    "--database-url",
    envvar=DATABASE_URL_ENV,
    show_default=False,
    help="sqlite:///path or postgresql://user@host/db [default: DATA_DIR/spotkeeper.db]",
)
CloudOption = typer.Option(CloudChoice.sim, "--cloud", envvar=CLOUD_ENV, help="the cloud provider")
AzureSubscriptionOption = typer.Option(
    None,
    "--azure-subscription",
    envvar=AZURE_SUBSCRIPTION_ENV,
    show_default=False,
    help="--cloud azure: the subscription id",
)
AzureEndpointOption = typer.Option(
    None,
    "--azure-endpoint",
    envvar=AZURE_ENDPOINT_ENV,
    show_default=False,
    help="--cloud azure: an ARM endpoint other than Azure's, e.g. https://127.0.0.1:8443 from "
    "`spotkeeper sim serve` (a static token is used there)",
)
AzureCaOption = typer.Option(
    None,
    "--azure-ca",
    envvar=AZURE_CA_ENV,
    show_default=False,
    help="--cloud azure: the CA certificate to trust for --azure-endpoint",
)


def _settings(
    *,
    data_dir: Path | None,
    database_url: str | None,
    cloud: CloudChoice,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    scenario: ScenarioChoice = ScenarioChoice.calm,
    sim_speed: float = 1.0,
    seed: int = 0,
    token: str | None = None,
    azure_subscription: str | None = None,
    azure_endpoint: str | None = None,
    azure_ca: Path | None = None,
) -> ServerSettings:
    """The settings of a server command; a value they refuse is a usage error naming it."""
    directory = data_dir_from(data_dir)
    try:
        return ServerSettings(
            data_dir=directory,
            database_url=database_url_from(database_url, directory),
            host=host,
            port=port,
            cloud=cloud.value,
            scenario=scenario.value,
            sim_speed=sim_speed,
            seed=seed,
            token=token,
            azure_subscription=azure_subscription,
            azure_endpoint=azure_endpoint.rstrip("/") if azure_endpoint else None,
            azure_ca=azure_ca.expanduser() if azure_ca is not None else None,
        )
    except ValueError as error:
        errors.print(f"[red]{escape(str(error))}[/]")
        raise typer.Exit(EXIT_USAGE) from None


def up(
    host: str = HostOption,
    port: int = PortOption,
    data_dir: Path | None = DataDirOption,
    database_url: str | None = DatabaseOption,
    cloud: CloudChoice = CloudOption,
    scenario: Annotated[
        ScenarioChoice, typer.Option("--scenario", envvar=SCENARIO_ENV, help="the simulated market's weather")
    ] = ScenarioChoice.calm,
    sim_speed: Annotated[
        float,
        typer.Option(
            "--sim-speed", envvar=SIM_SPEED_ENV, min=0.001, help="simulated seconds per real second"
        ),
    ] = 1.0,
    seed: Annotated[int, typer.Option("--seed", envvar=SEED_ENV, help="the simulated Azure's seed")] = 0,
    latency: Annotated[
        LatencyChoice,
        typer.Option(
            "--sim-latency", envvar=SIM_LATENCY_ENV, help="how long simulated Azure operations take"
        ),
    ] = LatencyChoice.azure_typical,
) -> None:
    """API + console + worker + simulated Azure in one process (Ctrl-C stops it cleanly)."""
    import os

    if cloud is CloudChoice.azure:
        errors.print(
            "[red]--cloud azure: `spotkeeper up` runs the simulated Azure in its own process.[/] For Azure "
            "(or a simulated Azure from `spotkeeper sim serve`), run `spotkeeper serve` and "
            "`spotkeeper worker` with --cloud azure."
        )
        raise typer.Exit(EXIT_USAGE)

    from spotkeeper.app import PortUnavailable, bind, build_up, uvicorn_server

    settings = _settings(
        host=host,
        port=port,
        data_dir=data_dir,
        database_url=database_url,
        cloud=cloud,
        scenario=scenario,
        sim_speed=sim_speed,
        seed=seed,
        token=os.environ.get(TOKEN_ENV) or None,
    )
    try:
        sock = bind(settings.host, settings.port)
    except PortUnavailable as error:
        errors.print(f"[red]--port: {escape(str(error))}[/]")
        raise typer.Exit(EXIT_SERVER) from None
    try:
        runtime = build_up(settings, latency=latency.value)
    except ValueError as error:
        sock.close()
        errors.print(f"[red]{escape(str(error))}[/]")
        raise typer.Exit(EXIT_USAGE) from None
    except Exception:
        sock.close()
        raise
    try:
        port_bound = sock.getsockname()[1]
        url = f"http://{settings.host}:{port_bound}"
        _print_banner(runtime, url)
        runtime.start_background()
        assert runtime.api is not None  # build_up always builds the API
        # uvicorn re-raises the Ctrl-C it shut down on; a requested stop is a success
        with contextlib.suppress(KeyboardInterrupt):
            uvicorn_server(runtime.api).run(sockets=[sock])
    finally:
        console.print("stopping: finishing the worker's pass, saving the simulated Azure, closing the store")
        runtime.close()
        sock.close()
        console.print("stopped")


def _print_banner(runtime: object, url: str) -> None:
    from spotkeeper.app import Runtime

    assert isinstance(runtime, Runtime) and runtime.access is not None
    access = runtime.access
    settings = runtime.settings
    where = {
        "environment": f"from ${TOKEN_ENV}",
        "token file": f"saved in {settings.token_file}",
        "new": f"new; saved in {settings.token_file} (0600)",
    }[access.origin]
    origin = f"restored from {settings.sim_state_file}" if runtime.restored else "new"
    cloud = (
        f"simulated Azure ({origin}), "
        f"{settings.scenario} market, seed {settings.seed}, {settings.sim_speed:g}x time"
    )
    lines = [
        f"[bold]spotkeeper is up[/] at {url}  (console: {url}/ , API docs: {url}/docs)",
        f"  account  {access.account.id} ({escape(access.account.name)})",
        f"  token    {access.token}  [dim]({escape(where)})[/]",
        f"  store    {escape(_redacted(settings.database_url))}",
        f"  cloud    {escape(cloud)}",
        "",
        f"export SPOTKEEPER_URL={url} SPOTKEEPER_TOKEN={access.token}",
        "Ctrl-C stops it; a restart resumes every node.",
    ]
    for line in lines:  # never wrapped: the export line must paste as one line
        console.print(line, soft_wrap=True)


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _refuse_private_sim(command: str) -> None:
    errors.print(
        f"[red]--cloud sim: `spotkeeper {command}` cannot use the simulated Azure.[/] It lives in the "
        f"memory of one process, so `serve` and `worker` in separate processes would each see a "
        f"different, private Azure. Run `spotkeeper up` instead (API, console, worker and the "
        f"simulated Azure in one process). `serve` and `worker` need a cloud every process shares: "
        f"--cloud azure, against Azure or against one simulated Azure from `spotkeeper sim serve` "
        f"(--azure-endpoint, --azure-ca)."
    )
    raise typer.Exit(EXIT_USAGE)


def serve(
    host: str = HostOption,
    port: int = PortOption,
    data_dir: Path | None = DataDirOption,
    database_url: str | None = DatabaseOption,
    cloud: CloudChoice = CloudOption,
    azure_subscription: str | None = AzureSubscriptionOption,
    azure_endpoint: str | None = AzureEndpointOption,
    azure_ca: Path | None = AzureCaOption,
) -> None:
    """API + console only, for several processes over PostgreSQL (needs a shared cloud: --cloud azure)."""
    import os

    from spotkeeper.app import PortUnavailable, bind, uvicorn_server
    from spotkeeper.app_split import build_serve

    settings = _settings(
        host=host,
        port=port,
        data_dir=data_dir,
        database_url=database_url,
        cloud=cloud,
        token=os.environ.get(TOKEN_ENV) or None,
        azure_subscription=azure_subscription,
        azure_endpoint=azure_endpoint,
        azure_ca=azure_ca,
    )
    if cloud is CloudChoice.sim:
        _refuse_private_sim("serve")
    try:
        sock = bind(settings.host, settings.port)
    except PortUnavailable as error:
        errors.print(f"[red]--port: {escape(str(error))}[/]")
        raise typer.Exit(EXIT_SERVER) from None
    try:
        runtime = build_serve(settings)
    except ValueError as error:
        sock.close()
        errors.print(f"[red]{escape(str(error))}[/]")
        raise typer.Exit(EXIT_USAGE) from None
    except Exception:
        sock.close()
        raise
    try:
        url = f"http://{settings.host}:{sock.getsockname()[1]}"
        access = runtime.access
        assert access is not None and runtime.api is not None  # build_serve builds both
        lines = [
            f"[bold]spotkeeper serve[/] at {url}  (console: {url}/ , API docs: {url}/docs)",
            f"  account  {access.account.id} ({escape(access.account.name)})",
            f"  token    {access.token}",
            f"  store    {escape(_redacted(settings.database_url))}",
            f"  cloud    {escape(_azure_where(settings.azure_endpoint, settings.azure_subscription))}",
        ]
        for line in lines:
            console.print(line, soft_wrap=True)
        with contextlib.suppress(KeyboardInterrupt):
            uvicorn_server(runtime.api).run(sockets=[sock])
    finally:
        runtime.close()
        sock.close()
        console.print("stopped")


def worker(
    data_dir: Path | None = DataDirOption,
    database_url: str | None = DatabaseOption,
    cloud: CloudChoice = CloudOption,
    azure_subscription: str | None = AzureSubscriptionOption,
    azure_endpoint: str | None = AzureEndpointOption,
    azure_ca: Path | None = AzureCaOption,
) -> None:
    """The worker loop only, beside `serve` over PostgreSQL (needs a shared cloud: --cloud azure)."""
    import signal
    import threading

    from spotkeeper.app_split import build_worker

    settings = _settings(
        data_dir=data_dir,
        database_url=database_url,
        cloud=cloud,
        azure_subscription=azure_subscription,
        azure_endpoint=azure_endpoint,
        azure_ca=azure_ca,
    )
    if cloud is CloudChoice.sim:
        _refuse_private_sim("worker")
    try:
        runtime = build_worker(settings)
    except ValueError as error:
        errors.print(f"[red]{escape(str(error))}[/]")
        raise typer.Exit(EXIT_USAGE) from None
    assert runtime.worker is not None  # build_worker always builds it
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        runtime.start_background()
        console.print(
            f"[bold]spotkeeper worker[/] {escape(runtime.worker.worker_id)} running  "
            f"(store {escape(_redacted(settings.database_url))}, "
            f"cloud {escape(_azure_where(settings.azure_endpoint, settings.azure_subscription))})",
            soft_wrap=True,
        )
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    finally:
        console.print("stopping: finishing the worker's pass, closing the store")
        runtime.close()
        console.print("stopped")


def _interrupt(signum: int, frame: object) -> None:
    """`kill` stops the worker as Ctrl-C does: its pass finishes, its leases are released."""
    raise KeyboardInterrupt


def _azure_where(endpoint: str | None, subscription: str | None) -> str:
    where = f"ARM endpoint {endpoint}" if endpoint else "Azure"
    return f"{where}, subscription {subscription}"
