"""Run spotkeeper for the browser tests: API + console + worker on the simulated Azure.

Started by `conftest.py` in a subprocess, because NiceGUI keeps one app per process and the
console must be mounted on a fresh one. It is `spotkeeper up` (the composition root's
`build_up`) with test settings: a throwaway data directory, a known token, instant Azure
latencies and simulated time running `--speed` times faster than the wall clock, so a 30-second
eviction notice and a recovery take a couple of real seconds. Uvicorn runs with its lifespan on:
NiceGUI starts its event loop hooks there.

    python tests/browser/serve.py --data-dir DIR --port PORT --token TOKEN [--speed 20]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import uvicorn

from spotkeeper.app import build_up
from spotkeeper.settings import ServerSettings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--speed", type=float, default=20.0)
    args = parser.parse_args()
    settings = ServerSettings(
        data_dir=args.data_dir,
        database_url=f"sqlite:///{args.data_dir / 'spotkeeper.db'}",
        host="127.0.0.1",
        port=args.port,
        sim_speed=args.speed,
        token=args.token,
    )
    runtime = build_up(settings, latency="instant")
    runtime.start_background(idle_sleep=0.1)
    try:
        config = uvicorn.Config(
            runtime.api,
            host="127.0.0.1",
            port=args.port,
            log_level="warning",
            lifespan="on",
            access_log=False,
        )
        uvicorn.Server(config).run()
    finally:
        runtime.close(join_seconds=5.0)


if __name__ == "__main__":
    main()
