"""How a node command finds the server, and how a refusal becomes a message and an exit code.

The node commands never build an HTTP client themselves: they ask `open_client(ctx)`, which
reads the `--url/--token/--account` options (or `SPOTKEEPER_URL`, `SPOTKEEPER_TOKEN`,
`SPOTKEEPER_ACCOUNT`). A test hands in its own `httpx.Client` through the Typer context object
(`CliRunner.invoke(app, args, obj=CliEnvironment(http=...))`), which is the CLI's one seam.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import typer
from rich.markup import escape

from spotkeeper.cli.client import EXIT_INVALID, ApiError, SpotClient
from spotkeeper.cli.output import errors
from spotkeeper.settings import ClientSettings
from spotkeeper.spec.problems import SpecError


@dataclass
class CliEnvironment:
    """What the commands run against. `http` replaces the network client (tests)."""

    http: httpx.Client | None = None
    client_settings: ClientSettings | None = None


def environment(ctx: typer.Context) -> CliEnvironment:
    root = ctx.find_root()
    if not isinstance(root.obj, CliEnvironment):
        root.obj = CliEnvironment()
    return root.obj


def remember_client_settings(
    ctx: typer.Context, *, url: str | None, token: str | None, account: str | None
) -> None:
    environment(ctx).client_settings = ClientSettings.from_env(url=url, token=token, account=account)


@contextmanager
def open_client(ctx: typer.Context) -> Iterator[SpotClient]:
    """A client for the configured server; API errors end the command with their exit code."""
    env = environment(ctx)
    settings = env.client_settings or ClientSettings.from_env()
    with reporting_failures(), SpotClient(settings, http=env.http) as client:
        yield client


@contextmanager
def reporting_failures() -> Iterator[None]:
    """Print what went wrong as `field: message [CODE]` lines and exit 1 (the request) or 3
    (the server, the cloud, or no server at all)."""
    try:
        yield
    except ApiError as error:
        for problem in error.problems:
            errors.print(escape(str(problem)), style="red", soft_wrap=True)
        raise typer.Exit(error.exit_code) from None
    except SpecError as error:
        for spec_problem in error.problems:
            where = f"{spec_problem.field}: " if spec_problem.field else ""
            errors.print(
                escape(f"{where}{spec_problem.message} [{spec_problem.code}]"), style="red", soft_wrap=True
            )
        raise typer.Exit(EXIT_INVALID) from None
