"""`spotkeeper sim serve` as a process: it prints where the simulated Azure is and which CA to
trust, the Azure SDK works against it from another process, and with `--data-dir` the cloud
and its certificate survive a restart."""

from __future__ import annotations

import json
import os
import signal
import ssl
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from azure.mgmt.resource.resources import ResourceManagementClient

from tests.sim.test_arm_support import StaticToken


@contextmanager
def serving(*args: str) -> Iterator[dict[str, Any]]:
    command = [sys.executable, "-m", "spotkeeper.cli", "sim", "serve", "--port", "0", "--json", *args]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ | {"NO_PROXY": "*"}
    )
    try:
        assert process.stdout is not None and process.stderr is not None
        line = process.stdout.readline()
        assert line, process.stderr.read()
        yield json.loads(line)
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
        process.stdout.close()
        process.stderr.close()


def _groups(info: dict[str, Any]) -> ResourceManagementClient:
    return ResourceManagementClient(
        StaticToken(),
        info["subscriptionId"],
        base_url=info["baseUrl"],
        connection_verify=info["caPem"],
        retry_total=0,
    )


def test_sim_serve_prints_its_url_and_ca_and_keeps_state_across_a_restart(tmp_path: Path) -> None:
    with serving("--data-dir", str(tmp_path), "--latency", "instant", "--manual-clock") as info:
        assert info["baseUrl"].startswith("https://127.0.0.1:")
        assert Path(info["caPem"]).is_file() and str(tmp_path) in info["caPem"]
        with httpx.Client(verify=ssl.create_default_context(cafile=info["caPem"])) as client:
            clock = client.get(f"{info['controlUrl']}/clock").json()
        assert clock["manual"] is True
        _groups(info).resource_groups.create_or_update("made-by-another-process", {"location": "westus2"})
        first_ca = Path(info["caPem"]).read_bytes()
    with serving("--data-dir", str(tmp_path), "--latency", "instant", "--manual-clock") as info:
        assert Path(info["caPem"]).read_bytes() == first_ca
        names = {g.name for g in _groups(info).resource_groups.list()}
        assert names == {"made-by-another-process", "sk-sandbox"}
