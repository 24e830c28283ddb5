"""A running spotkeeper for the CLI's node commands, and a runner that talks to it.

`served` builds the same runtime `spotkeeper up` runs (`app.build_up`: store, simulated Azure,
service, API, worker thread) in a temporary data directory, with instant Azure latency so a
node launches in a worker pass or two. The CLI reaches it through its one seam, the Typer
context object (`CliEnvironment(http=...)`), with an in-process `TestClient`, so no port is
needed; `test_server_commands` also serves it over a real socket.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import Result
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from spotkeeper.app import Runtime, build_up
from spotkeeper.cli import app
from spotkeeper.cli.connection import CliEnvironment
from spotkeeper.settings import ServerSettings


@dataclass
class Served:
    runtime: Runtime
    http: TestClient
    token: str

    def run(self, *args: str, token: str | None = None) -> Result:
        """`spotkeeper ARGS` against this server."""
        env: dict[str, str | None] = {
            "SPOTKEEPER_TOKEN": token if token is not None else self.token,
            "SPOTKEEPER_URL": "http://testserver",
            "SPOTKEEPER_ACCOUNT": None,
        }
        return CliRunner().invoke(app, list(args), obj=CliEnvironment(http=self.http), env=env)


def up_settings(data_dir: Path, **overrides: object) -> ServerSettings:
    values: dict[str, object] = {
        "data_dir": data_dir,
        "database_url": f"sqlite:///{data_dir / 'spotkeeper.db'}",
    }
    values.update(overrides)
    return ServerSettings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    # 100x time: Azure's 180 s NIC reservation after a VM goes takes 1.8 s of the test
    runtime = build_up(
        up_settings(tmp_path_factory.mktemp("served"), sim_speed=100.0), latency="instant", with_console=False
    )
    runtime.start_background(idle_sleep=0.05)
    assert runtime.api is not None and runtime.access is not None
    http = TestClient(runtime.api, base_url="http://testserver", raise_server_exceptions=False)
    try:
        yield Served(runtime, http, runtime.access.token)
    finally:
        http.close()
        runtime.close()
