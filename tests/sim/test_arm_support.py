"""The ARM facade's server (HTTPS with its own CA, bearer tokens, subscription, routing, the
`/_sim` control API), and the helpers the other `test_arm_*` modules share: a running facade
over a fresh simulated Azure and the real Azure SDK clients pointed at it."""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from azure.core.credentials import AccessToken
from azure.core.exceptions import HttpResponseError
from azure.mgmt.compute import ComputeManagementClient
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.resource.resources import ResourceManagementClient
from azure.mgmt.resourcegraph import ResourceGraphClient

from spotkeeper.clock import Clock, ManualClock
from spotkeeper.sim import DefaultWorld, SimAzure, seed_default_world
from spotkeeper.sim.arm import ArmServer

RG = "sk-sandbox"
UBUNTU = {
    "publisher": "Canonical",
    "offer": "0001-com-ubuntu-server-jammy",
    "sku": "22_04-lts-gen2",
    "version": "latest",
}
SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEjF3vNTHBc0sr/+SCDJCpOFK43sALOmZd1QtC/6Bjsr azureuser@x"


class StaticToken:
    """A `TokenCredential` that never talks to Entra ID (the facade wants only a bearer)."""

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken("fake", int(time.time()) + 3600)


@dataclass
class Facade:
    sim: SimAzure
    world: DefaultWorld
    server: ArmServer
    clock: Clock

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def ca_pem(self) -> str:
        return self.server.ca_pem

    def kwargs(self, **overrides: Any) -> dict[str, Any]:
        return {
            "base_url": self.base_url,
            "connection_verify": self.ca_pem,
            "polling_interval": 0.01,
            "retry_total": 1,
        } | overrides

    def compute(self, **overrides: Any) -> ComputeManagementClient:
        return ComputeManagementClient(StaticToken(), self.sim.subscription_id, **self.kwargs(**overrides))

    def network(self, **overrides: Any) -> NetworkManagementClient:
        return NetworkManagementClient(StaticToken(), self.sim.subscription_id, **self.kwargs(**overrides))

    def resources(self, **overrides: Any) -> ResourceManagementClient:
        return ResourceManagementClient(StaticToken(), self.sim.subscription_id, **self.kwargs(**overrides))

    def graph(self, **overrides: Any) -> ResourceGraphClient:
        return ResourceGraphClient(StaticToken(), **self.kwargs(**overrides))

    def http(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, verify=ssl.create_default_context(cafile=self.ca_pem))

    # the resources most tests need, made through the SDK ----------------------

    def nic(self, name: str, *, public_ip: bool = False, private_ip: str | None = None) -> Any:
        network = self.network()
        config: dict[str, Any] = {"subnet": {"id": self.world.subnet_ids["default"]}}
        if private_ip is not None:
            config |= {"privateIPAllocationMethod": "Static", "privateIPAddress": private_ip}
        if public_ip:
            pip = network.public_ip_addresses.begin_create_or_update(
                RG,
                f"{name}-ip",
                {
                    "location": "eastus",
                    "sku": {"name": "Standard"},
                    "properties": {"publicIPAllocationMethod": "Static"},
                },
            ).result()
            config["publicIPAddress"] = {"id": pip.id}
        return network.network_interfaces.begin_create_or_update(
            RG,
            name,
            {
                "location": "eastus",
                "properties": {"ipConfigurations": [{"name": "ipconfig1", "properties": config}]},
            },
        ).result()

    def vm_body(
        self, nic_id: str, *, priority: str = "Spot", zone: str = "1", size: str = "Standard_D2s_v5"
    ) -> dict[str, Any]:
        properties: dict[str, Any] = {
            "hardwareProfile": {"vmSize": size},
            "priority": priority,
            "storageProfile": {
                "imageReference": UBUNTU,
                "osDisk": {
                    "createOption": "FromImage",
                    "managedDisk": {"storageAccountType": "Premium_LRS"},
                    "deleteOption": "Detach",
                },
            },
            "osProfile": {
                "computerName": "node1",
                "adminUsername": "azureuser",
                "linuxConfiguration": {
                    "disablePasswordAuthentication": True,
                    "ssh": {
                        "publicKeys": [{"path": "/home/azureuser/.ssh/authorized_keys", "keyData": SSH_KEY}]
                    },
                },
            },
            "networkProfile": {"networkInterfaces": [{"id": nic_id, "properties": {"primary": True}}]},
        }
        if priority == "Spot":
            properties |= {"evictionPolicy": "Deallocate", "billingProfile": {"maxPrice": -1}}
        return {
            "location": "eastus",
            "zones": [zone],
            "tags": {"stateful-node": "node1"},
            "properties": properties,
        }

    def vm(self, name: str, **options: Any) -> Any:
        nic = self.nic(f"{name}-nic", public_ip=True)
        return (
            self.compute()
            .virtual_machines.begin_create_or_update(RG, name, self.vm_body(nic.id, **options))
            .result()
        )


def start_facade(*, latency: str = "instant", auto_advance: bool = False) -> tuple[Facade, ArmServer]:
    clock = ManualClock()
    sim = SimAzure(clock, seed=7, latency=latency)  # type: ignore[arg-type]
    world = seed_default_world(sim)
    server = ArmServer(sim, auto_advance=auto_advance)
    server.start()
    return Facade(sim, world, server, clock), server


@pytest.fixture
def facade() -> Iterator[Facade]:
    running, server = start_facade()
    try:
        yield running
    finally:
        server.stop()


# ----------------------------------------------------------------------------- the server itself


def test_facade_speaks_https_that_only_its_own_ca_verifies(facade: Facade) -> None:
    with facade.http() as trusted:
        assert trusted.get("/_sim").status_code == 200
    with httpx.Client(base_url=facade.base_url) as stranger, pytest.raises(httpx.ConnectError):
        stranger.get("/_sim")


def test_arm_request_without_a_bearer_token_is_refused_401(facade: Facade) -> None:
    with facade.http() as client:
        reply = client.get(
            f"/subscriptions/{facade.sim.subscription_id}/resourcegroups?api-version=2025-04-01"
        )
    assert reply.status_code == 401
    assert reply.json()["error"]["code"] == "AuthenticationFailed"


def test_another_subscription_is_not_found(facade: Facade) -> None:
    with facade.http() as client:
        reply = client.get(
            "/subscriptions/someone-else/resourcegroups", headers={"Authorization": "Bearer x"}
        )
    assert reply.status_code == 404
    assert reply.json()["error"]["code"] == "SubscriptionNotFound"


def test_a_path_the_facade_does_not_serve_is_named_in_a_400(facade: Facade) -> None:
    path = f"/subscriptions/{facade.sim.subscription_id}/providers/Microsoft.Web/sites"
    with facade.http() as client:
        reply = client.get(path, headers={"Authorization": "Bearer x"})
    assert reply.status_code == 400
    assert reply.json()["error"]["code"] == "NotSupportedBySimulator"
    assert "Microsoft.Web/sites" in reply.json()["error"]["message"]


def test_any_api_version_is_accepted(facade: Facade) -> None:
    with facade.http() as client:
        reply = client.get(
            f"/subscriptions/{facade.sim.subscription_id}/resourcegroups/sk-sandbox?api-version=1999-01-01",
            headers={"Authorization": "Bearer x"},
        )
    assert reply.status_code == 200
    assert reply.json()["name"] == "sk-sandbox"


def test_control_api_moves_a_manual_clock_and_reports_it(facade: Facade) -> None:
    before = facade.clock.now()
    with facade.http() as client:
        reply = client.post("/_sim/clock/advance", json={"seconds": 90})
        clock = client.get("/_sim/clock").json()
    assert reply.status_code == 200
    assert (facade.clock.now() - before).total_seconds() == 90
    assert clock["manual"] is True
    assert clock["now"] == facade.clock.now().isoformat()


def test_control_api_writes_disk_content_whose_fingerprint_the_simulator_reports(facade: Facade) -> None:
    disk = facade.sim.storage.create_or_update_disk(
        RG, "data0", location="eastus", sku="Premium_LRS", size_gb=8, zone="1"
    )
    with facade.http() as client:
        written = client.put(f"/_sim/disks{disk.id}/content", json={"text": "orders: 42"}).json()
        read = client.get(f"/_sim/disks{disk.id}/content").json()
    assert written["fingerprint"] == facade.sim.disk_fingerprint(disk.id)
    assert read["base64"] == "b3JkZXJzOiA0Mg=="


def test_control_api_quota_makes_the_next_vm_exceed_it(facade: Facade) -> None:
    with facade.http() as client:
        reply = client.put(
            "/_sim/quotas", json={"region": "eastus", "family": "DSv5", "vcpus": 0, "lifecycle": "spot"}
        )
    assert reply.status_code == 200
    nic = facade.nic("q-nic")
    with pytest.raises(HttpResponseError) as caught:
        facade.compute().virtual_machines.begin_create_or_update(RG, "over", facade.vm_body(nic.id))
    assert caught.value.status_code == 409 and "quota" in str(caught.value.message)


def test_data_a_vm_writes_before_its_eviction_is_on_its_disk_after_it(facade: Facade) -> None:
    vm = facade.vm("db")
    with facade.http() as client:
        written = client.put(f"/_sim/vms/{RG}/db/disks/os/content", json={"text": "orders: 1024"}).json()
        facade.compute().virtual_machines.simulate_eviction(RG, "db")
        client.post("/_sim/clock/advance", json={"seconds": 30})
        after = client.get(f"/_sim/disks{vm.storage_profile.os_disk.managed_disk.id}/content").json()
    assert facade.sim.vm(RG, "db").power_state == "deallocated"
    assert after["fingerprint"] == written["fingerprint"]


def test_one_server_can_switch_to_a_fresh_simulator(facade: Facade) -> None:
    facade.resources().resource_groups.create_or_update("only-in-the-first", {"location": "eastus"})
    fresh = SimAzure(ManualClock(), seed=1)
    seed_default_world(fresh)
    facade.server.switch_to(fresh)
    assert [g.name for g in facade.resources().resource_groups.list()] == ["sk-sandbox"]
