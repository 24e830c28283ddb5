"""`spotkeeper up` as a person runs it: a real process, a real port, Ctrl-C, and a restart."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

TOKEN = "skt_test-operator-token-0123456789abcdef"


def start_up(data_dir: Path) -> tuple[subprocess.Popen[str], str]:
    env = {
        **os.environ,
        "SPOTKEEPER_TOKEN": TOKEN,
        "SPOTKEEPER_DATA_DIR": str(data_dir),
        "PYTHONUNBUFFERED": "1",
        "COLUMNS": "200",
    }
    env.pop("SPOTKEEPER_DATABASE_URL", None)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "spotkeeper.cli",
            "up",
            "--port",
            "0",
            "--sim-speed",
            "50",
            "--sim-latency",
            "instant",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    deadline = time.monotonic() + 60
    seen: list[str] = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line)
        found = re.search(r"spotkeeper is up at (http://127\.0\.0\.1:\d+)", line)
        if found:
            url = found.group(1)
            while time.monotonic() < deadline:  # uvicorn starts right after the banner
                try:
                    if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                        return process, url
                except httpx.TransportError:
                    time.sleep(0.1)
    process.kill()
    raise AssertionError("spotkeeper up did not come up:\n" + "".join(seen))


def stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGINT)
    out, _ = process.communicate(timeout=120)  # saving the simulated Azure can be slow under load
    assert process.returncode == 0, out
    return out


def test_up_serves_the_api_stops_on_ctrl_c_and_resumes_after_a_restart(tmp_path: Path) -> None:
    process, url = start_up(tmp_path)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    try:
        listed = httpx.get(f"{url}/azure/compute/statefulNode", headers=headers)
        assert listed.status_code == 200 and listed.json()["response"]["items"] == []
        assert httpx.get(f"{url}/azure/compute/statefulNode").status_code == 401
        assert httpx.get(f"{url}/sign-in").status_code == 200  # the console is mounted
    finally:
        out = stop(process)
    assert "stopped" in out
    assert (tmp_path / "sim.pickle").exists()
    assert not (tmp_path / "token").exists()  # an operator's token is never written down

    process, url = start_up(tmp_path)
    try:
        assert httpx.get(f"{url}/azure/compute/statefulNode", headers=headers).status_code == 200
    finally:
        out = stop(process)
    assert "restored from" in out
