"""A whole spotkeeper behind its API for the route tests: store, simulated Azure, worker, client.

`ApiWorld` wires a real `Store.memory()`, the simulated Azure with the default world, its cloud
provider, a `ManualClock`, the service, the FastAPI app and a `TestClient`, plus two accounts
with a token each (so every test can check that one account never sees the other's nodes), and
a store-backed `Worker` on the same store and cloud so nodes actually come up when the test
moves the clock (`run_for`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from spotkeeper.api import create_app
from spotkeeper.clock import ManualClock
from spotkeeper.cloud.port import ImageRef, NicSpec, OsDiskFromImage, OsProfile, VmSpec
from spotkeeper.cloud.sim import SimCloudProvider
from spotkeeper.engine.context import EngineSettings
from spotkeeper.engine.worker import Worker
from spotkeeper.service import NodeService
from spotkeeper.sim import SimAzure, seed_default_world
from spotkeeper.store import Store
from tests.factories import SSH_PUBLIC_KEY, valid_node

BASE = "/azure/compute/statefulNode"
RG = "sk-sandbox"
STEP = timedelta(seconds=10)
SETTINGS = EngineSettings(steady_poll=timedelta(seconds=30))
UBUNTU = ImageRef(
    "marketplace",
    publisher="Canonical",
    offer="0001-com-ubuntu-server-jammy",
    sku="22_04-lts-gen2",
    version="latest",
)


def node_spec(**launch: Any) -> dict[str, Any]:
    """The factory node without its cron schedule, with `launchSpecification` keys replaced."""
    spec = valid_node()
    del spec["scheduling"]
    spec["compute"]["launchSpecification"].update(launch)
    return spec


@dataclass
class ApiWorld:
    clock: ManualClock = field(default_factory=ManualClock)

    def __post_init__(self) -> None:
        self.sim = SimAzure(clock=self.clock, latency="instant")
        seed_default_world(self.sim)
        self.cloud = SimCloudProvider(self.sim)
        self.store = Store.memory()
        now = self.clock.now()
        self.account = self.store.accounts.create("acme", now=now)
        self.token = self.store.accounts.create_token(self.account.id, now=now)
        self.other_account = self.store.accounts.create("globex", now=now)
        self.other_token = self.store.accounts.create_token(self.other_account.id, now=now)
        self.service = NodeService(self.store, self.cloud, self.clock, sleep=lambda _s: None)
        self.app = create_app(self.service)
        self.client = TestClient(self.app, raise_server_exceptions=False)
        self.worker = Worker(self.store, self.cloud, self.clock, settings=SETTINGS, collect_every=None)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def other_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.other_token}"}

    def close(self) -> None:
        self.client.close()
        self.store.close()

    # --- calling the API -----------------------------------------------------------------------

    def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        return self.client.request(
            method, path, json=json, params=params, headers=self.headers if headers is None else headers
        )

    def ok(self, method: str, path: str, **kwargs: Any) -> list[Any]:
        """The items of a call that must succeed."""
        response = self.call(method, path, **kwargs)
        assert response.status_code == 200, response.text
        items: list[Any] = response.json()["response"]["items"]
        return items

    def create(self, spec: dict[str, Any] | None = None) -> str:
        node_id: str = self.ok("POST", BASE, json={"statefulNode": spec or node_spec()})[0]["id"]
        return node_id

    def status(self, node_id: str) -> dict[str, Any]:
        status: dict[str, Any] = self.ok("GET", f"{BASE}/{node_id}/status")[0]
        return status

    # --- moving time ---------------------------------------------------------------------------

    def run_for(self, duration: timedelta) -> None:
        """Advance the clock step by step, letting Azure's events and the worker's passes run."""
        end = self.clock.now() + duration
        while self.clock.now() < end:
            for _ in range(20):
                if self.worker.run_once() == 0:
                    break
            self.sim.advance(STEP)
        for _ in range(20):
            if self.worker.run_once() == 0:
                break

    def run_until_status(
        self, node_id: str, status: str, *, within: timedelta = timedelta(minutes=15)
    ) -> None:
        end = self.clock.now() + within
        while self.clock.now() < end:
            if self.status(node_id)["status"] == status:
                return
            self.run_for(timedelta(seconds=30))
        log = [e.message for e in self.store.events.query(node_id, oldest_first=True)]
        raise AssertionError(
            f"{node_id} did not become {status} within {within}: {self.status(node_id)}\n" + "\n".join(log)
        )

    def launched(self, spec: dict[str, Any] | None = None) -> str:
        node_id = self.create(spec)
        self.run_until_status(node_id, "active")
        return node_id

    # --- Azure by hand -------------------------------------------------------------------------

    def vm_by_hand(self, name: str, *, size: str = "Standard_D2s_v5", zone: str | None = "1") -> None:
        """A VM someone made in Azure without spotkeeper (what an import takes over)."""
        nic = self.cloud.ensure_nic(
            NicSpec(
                resource_group=RG,
                name=f"{name}-nic",
                region="eastus",
                network_resource_group=RG,
                virtual_network="sk-vnet",
                subnet="default",
            )
        )
        self.cloud.ensure_vm(
            VmSpec(
                resource_group=RG,
                name=name,
                region="eastus",
                size=size,
                priority="Regular",
                zone=zone,
                os_disk=OsDiskFromImage(name=f"{name}-os", image=UBUNTU, sku="Premium_LRS", size_gb=64),
                nic_ids=(nic.id,),
                os_profile=OsProfile(
                    computer_name=name, admin_username="azureuser", ssh_public_key=SSH_PUBLIC_KEY
                ),
            )
        )
        self.sim.advance(STEP)
