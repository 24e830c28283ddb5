"""`spotkeeper serve` and `spotkeeper worker` as two processes sharing PostgreSQL and the Azure
driver, against a simulated Azure served as ARM by this test: a node created through the API
of one process is launched by the other and becomes active."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from spotkeeper.clock import SystemClock
from spotkeeper.sim import SimAzure, seed_default_world
from spotkeeper.sim.arm import ArmServer
from tests.factories import valid_node
from tests.store.conftest import postgres_schema_url

TOKEN = "skt_split-processes-token-0123456789abcdef"
NODES = "/azure/compute/statefulNode"
STARTUP_S = 30.0
ACTIVE_WITHIN_S = 45.0


@pytest.fixture
def database_url() -> Iterator[str]:
    with postgres_schema_url() as url:
        yield url


def _spawn(arguments: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "spotkeeper.cli", *arguments],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait_for(process: subprocess.Popen[str], pattern: str) -> re.Match[str]:
    assert process.stdout is not None
    seen: list[str] = []
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line)
        if found := re.search(pattern, line):
            return found
    process.kill()
    raise AssertionError(f"no line matching {pattern!r}:\n" + "".join(seen))


def _stop(process: subprocess.Popen[str]) -> str:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    try:
        out, _ = process.communicate(timeout=120)  # a loaded CI machine can be slow to finish a pass
    except subprocess.TimeoutExpired:
        process.kill()
        out, _ = process.communicate()
    return out


@pytest.mark.postgres
def test_a_node_created_through_serve_is_launched_by_a_separate_worker(
    tmp_path: Path, database_url: str
) -> None:
    sim = SimAzure(SystemClock(), seed=11, latency="instant")
    seed_default_world(sim)
    base = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "COLUMNS": "200",
        "SPOTKEEPER_TOKEN": TOKEN,
        "SPOTKEEPER_DATABASE_URL": database_url,
        "NO_PROXY": "127.0.0.1,localhost",
    }
    with ArmServer(sim) as server:
        serve = _spawn(
            [
                "serve", "--port", "0", "--data-dir", str(tmp_path / "serve"), "--cloud", "azure",
                "--azure-subscription", sim.subscription_id, "--azure-endpoint", server.base_url,
                "--azure-ca", server.ca_pem,
            ],
            base,
        )  # fmt: skip
        worker: subprocess.Popen[str] | None = None
        try:
            url = _wait_for(serve, r"spotkeeper serve at (http://127\.0\.0\.1:\d+)")[1]
            worker = _spawn(
                ["worker", "--data-dir", str(tmp_path / "worker")],
                {
                    **base,
                    "SPOTKEEPER_CLOUD": "azure",
                    "AZURE_SUBSCRIPTION_ID": sim.subscription_id,
                    "SPOTKEEPER_AZURE_ENDPOINT": server.base_url,
                    "SPOTKEEPER_AZURE_CA": server.ca_pem,
                },
            )
            _wait_for(worker, r"spotkeeper worker \S+ running")
            spec = valid_node(name="split")
            spec.pop("scheduling", None)
            with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10) as api:
                created = api.post(NODES, json={"statefulNode": spec})
                assert created.status_code == 200, created.text
                node_id = created.json()["response"]["items"][0]["id"]
                status, deadline = "", time.monotonic() + ACTIVE_WITHIN_S
                while status != "active" and time.monotonic() < deadline:
                    time.sleep(0.25)
                    status = api.get(f"{NODES}/{node_id}/status").json()["response"]["items"][0]["status"]
            assert status == "active", f"the node is {status!r} after {ACTIVE_WITHIN_S} s"
            [vm] = [vm for vm in sim.compute.list_vms() if vm.tags.get("spotkeeper-node") == node_id] or [
                None
            ]
            assert vm is not None and vm.power_state == "running" and vm.priority == "Spot"
        finally:
            worker_out = _stop(worker) if worker is not None else ""
            serve_out = _stop(serve)
    assert worker is not None and worker.returncode == 0, worker_out
    assert serve.returncode == 0, serve_out
    assert "stopped" in worker_out and "stopped" in serve_out


# ----------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        (["serve", "--cloud", "azure"], "--azure-subscription"),
        (
            ["worker", "--cloud", "azure", "--azure-subscription", "s", "--azure-endpoint", "http://x"],
            "https://",
        ),
        (
            ["worker", "--cloud", "azure", "--azure-subscription", "s", "--azure-ca", "ca.pem"],
            "--azure-endpoint",
        ),
        (["up", "--cloud", "azure"], "spotkeeper serve"),
    ],
)
def test_an_azure_setting_that_cannot_work_is_refused_naming_it(
    tmp_path: Path, arguments: list[str], named: str
) -> None:
    from typer.testing import CliRunner

    from spotkeeper.cli import app

    env = {"AZURE_SUBSCRIPTION_ID": "", "SPOTKEEPER_AZURE_ENDPOINT": "", "SPOTKEEPER_AZURE_CA": ""}
    result = CliRunner().invoke(app, [*arguments, "--data-dir", str(tmp_path)], env=env)
    assert result.exit_code == 2, result.output
    assert named in " ".join(result.output.split())
