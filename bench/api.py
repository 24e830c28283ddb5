"""How fast the Spot-compatible API answers with 1,000 nodes stored: get, list and status.

The server is the real thing (`spotkeeper.api.create_app` over a `NodeService`, served by
uvicorn on a loopback port) in its own process, so the load generator does not share its GIL;
it serves the API only (no worker, no console), so the figures are the API's. The nodes are
created through the service (every create rule runs) before the server starts; they are
`launching` nodes without a VM, since no worker runs. The client is a pool of threads, each
with its own keep-alive `httpx.Client`, sending requests back to back for a bounded time and
count per route (after a short warm-up), to ids drawn at random from the stored ones.

Routes measured:
* get     `GET /azure/compute/statefulNode/{id}`
* status  `GET /azure/compute/statefulNode/{id}/status`
* list    `GET /azure/compute/statefulNode` (all 1,000 nodes in one answer, as the SDK asks)

It runs on SQLite (a file in a temporary directory) and on PostgreSQL (127.0.0.1:5432, database
`test`, in a schema of its own that is dropped afterwards; skipped with a note if unreachable).
Goals on 2 cores: list p99 <= 100 ms, get >= 500 requests/s. Not a test: it prints a table and,
as its last line, a JSON object with the SQLite figures `get_rps`, `get_p99_ms`, `list_p99_ms`.

    .venv/bin/python bench/api.py [--nodes 1000] [--seconds 5] [--max-requests 20000]
                                  [--concurrency 4] [--postgres-url URL] [--skip-postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.factories import valid_node  # noqa: E402

BASE = "/azure/compute/statefulNode"
POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
WARMUP = 30
CONSOLE = Console(highlight=False)


# ----------------------------------------------------------------------------- the server process


def serve(database_url: str) -> None:
    """Child process: the API over the stored nodes on a free loopback port; prints READY <url>."""
    from spotkeeper.api import create_app
    from spotkeeper.app import bind, uvicorn_server
    from spotkeeper.clock import SystemClock
    from spotkeeper.cloud.sim import SimCloudProvider
    from spotkeeper.service import NodeService
    from spotkeeper.sim import SimAzure, seed_default_world
    from spotkeeper.store import Store

    clock = SystemClock()
    sim = SimAzure(clock=clock)
    seed_default_world(sim)
    store = Store(database_url, create=False)
    app = create_app(NodeService(store, SimCloudProvider(sim), clock))
    sock = bind("127.0.0.1", 0)
    print(f"READY http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    try:
        uvicorn_server(app, log_level="error").run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        store.close()


@dataclass
class Server:
    process: subprocess.Popen[str]
    url: str

    @classmethod
    def start(cls, database_url: str) -> Server:
        process = subprocess.Popen(
            [sys.executable, __file__, "--serve", database_url],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        )
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        if not line.startswith("READY "):
            process.kill()
            raise RuntimeError(f"the API server did not start: {line!r}")
        return cls(process, line.split(" ", 1)[1])

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


# ----------------------------------------------------------------------------- data


def fill(database_url: str, count: int) -> tuple[str, list[str]]:
    """`count` nodes created through the service; returns a token and the node ids."""
    from spotkeeper.clock import SystemClock
    from spotkeeper.cloud.sim import SimCloudProvider
    from spotkeeper.service import NodeService
    from spotkeeper.sim import SimAzure, seed_default_world
    from spotkeeper.store import Store

    clock = SystemClock()
    sim = SimAzure(clock=clock)
    seed_default_world(sim)
    with Store(database_url) as store:
        account = store.accounts.create("bench", now=datetime.now(UTC))
        token = store.accounts.create_token(account.id, now=datetime.now(UTC))
        service = NodeService(store, SimCloudProvider(sim), clock)
        spec = valid_node()
        ids = []
        for index in range(count):
            spec["name"] = f"bench-{index:04d}"
            ids.append(service.create(account.id, spec)["id"])
    return token, ids


# ----------------------------------------------------------------------------- load


@dataclass
class Figures:
    route: str
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def load(
    url: str, token: str, paths: list[str], *, route: str, seconds: float, max_requests: int, concurrency: int
) -> Figures:
    """Send requests back to back from `concurrency` threads until `seconds` or `max_requests`."""
    headers = {"Authorization": f"Bearer {token}"}
    lock = threading.Lock()
    latencies: list[float] = []
    errors = 0
    sent = 0
    stop_at = 0.0

    def worker(seed: int) -> None:
        nonlocal errors, sent
        rng = random.Random(seed)
        with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
            for _ in range(WARMUP // concurrency + 1):
                client.get(rng.choice(paths))
            barrier.wait()
            while True:
                with lock:
                    if sent >= max_requests or time.perf_counter() >= stop_at:
                        return
                    sent += 1
                started = time.perf_counter()
                response = client.get(rng.choice(paths))
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    latencies.append(elapsed)
                    errors += response.status_code != 200

    barrier = threading.Barrier(concurrency + 1)
    threads = [threading.Thread(target=worker, args=(seed,), daemon=True) for seed in range(concurrency)]
    for thread in threads:
        thread.start()
    stop_at = time.perf_counter() + 3600  # set for real once every thread is warm
    barrier.wait()
    began = time.perf_counter()
    stop_at = began + seconds
    for thread in threads:
        thread.join()
    return Figures(route, len(latencies), errors, time.perf_counter() - began, latencies)


def measure(database_url: str, label: str, args: argparse.Namespace) -> list[Figures]:
    started = time.perf_counter()
    token, ids = fill(database_url, args.nodes)
    CONSOLE.print(f"[dim]{label}: {len(ids)} nodes created in {time.perf_counter() - started:.1f} s[/]")
    server = Server.start(database_url)
    try:
        routes = {
            "get": [f"{BASE}/{node_id}" for node_id in ids],
            "status": [f"{BASE}/{node_id}/status" for node_id in ids],
            "list": [BASE],
        }
        figures = []
        for route, paths in routes.items():
            figures.append(
                load(
                    server.url,
                    token,
                    paths,
                    route=route,
                    seconds=args.seconds,
                    max_requests=args.max_requests,
                    concurrency=args.concurrency,
                )
            )
            sample = httpx.get(server.url + paths[0], headers={"Authorization": f"Bearer {token}"})
            count = sample.json()["response"]["count"]
            if route == "list" and count != args.nodes:
                raise RuntimeError(f"list returned {count} nodes, expected {args.nodes}")
        return figures
    finally:
        server.stop()


def postgres_schema(url: str) -> tuple[str, str] | None:
    """A fresh schema on the server and the URL that uses it; None if PostgreSQL is unreachable."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    schema = f"sk_bench_{secrets.token_hex(4)}"
    engine = create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": 3})
    try:
        with engine.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as error:
        CONSOLE.print(f"[yellow]PostgreSQL at {url} unreachable ({str(error).splitlines()[0]}); skipped[/]")
        return None
    finally:
        engine.dispose()
    return schema, f"{url}?options=-csearch_path%3D{schema}"


def drop_schema(url: str, schema: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        engine.dispose()


def print_figures(results: dict[str, list[Figures]], args: argparse.Namespace) -> None:
    table = Table(
        title=f"API with {args.nodes} nodes, {args.concurrency} concurrent clients, "
        f"{args.seconds:g} s per route ({os.cpu_count()} cores)"
    )
    for column in ("store", "route", "requests", "errors", "req/s", "p50 ms", "p99 ms", "max ms"):
        table.add_column(column, justify="left" if column in ("store", "route") else "right")
    for store, figures in results.items():
        for f in figures:
            table.add_row(
                store,
                f.route,
                str(f.requests),
                str(f.errors),
                f"{f.rps:,.0f}",
                f"{f.percentile(50):.1f}",
                f"{f.percentile(99):.1f}",
                f"{max(f.latencies_ms, default=0):.1f}",
            )
    CONSOLE.print(table)
    sqlite = {f.route: f for f in results["sqlite"]}
    CONSOLE.print(
        f"goals: get >= 500 req/s -> {sqlite['get'].rps:,.0f} "
        f"({'met' if sqlite['get'].rps >= 500 else 'NOT met'}); list p99 <= 100 ms -> "
        f"{sqlite['list'].percentile(99):.1f} ms "
        f"({'met' if sqlite['list'].percentile(99) <= 100 else 'NOT met'}) [SQLite]"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--serve", metavar="DATABASE_URL", help=argparse.SUPPRESS)
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=5.0, help="per route")
    parser.add_argument("--max-requests", type=int, default=20000, help="per route")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument(
        "--postgres-url", default=os.environ.get("SPOTKEEPER_TEST_POSTGRES_URL", POSTGRES_URL)
    )
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return

    results: dict[str, list[Figures]] = {}
    scratch = Path(tempfile.mkdtemp(prefix="spotkeeper-bench-api-"))
    try:
        results["sqlite"] = measure(f"sqlite:///{scratch / 'bench.db'}", "SQLite", args)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if not args.skip_postgres:
        found = postgres_schema(args.postgres_url)
        if found is not None:
            schema, url = found
            try:
                results["postgresql"] = measure(url, "PostgreSQL", args)
            finally:
                drop_schema(args.postgres_url, schema)
    print_figures(results, args)
    sqlite = {f.route: f for f in results["sqlite"]}
    summary: dict[str, Any] = {
        "get_rps": round(sqlite["get"].rps, 1),
        "get_p99_ms": round(sqlite["get"].percentile(99), 2),
        "list_p99_ms": round(sqlite["list"].percentile(99), 2),
        "status_rps": round(sqlite["status"].rps, 1),
        "list_rps": round(sqlite["list"].rps, 1),
        "nodes": args.nodes,
        "concurrency": args.concurrency,
    }
    if "postgresql" in results:
        pg = {f.route: f for f in results["postgresql"]}
        summary["postgresql"] = {
            "get_rps": round(pg["get"].rps, 1),
            "get_p99_ms": round(pg["get"].percentile(99), 2),
            "list_p99_ms": round(pg["list"].percentile(99), 2),
            "status_rps": round(pg["status"].rps, 1),
        }
    summary["median_get_ms"] = round(statistics.median(sqlite["get"].latencies_ms), 2)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
