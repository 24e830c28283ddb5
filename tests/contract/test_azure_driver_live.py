"""The port's semantics against a real Azure subscription (`azure-live`), skipped unless asked.

Opt in with:

    SPOTKEEPER_LIVE_AZURE=1                       run these tests (they create and delete
                                                  real, billed resources: a disk, a public IP,
                                                  a NIC; no VM)
    AZURE_SUBSCRIPTION_ID=<subscription>          where
    SPOTKEEPER_LIVE_AZURE_RESOURCE_GROUP=<rg>     an existing resource group to work in
    SPOTKEEPER_LIVE_AZURE_VNET=<vnet>/<subnet>    an existing subnet of that group (for the NIC)
    SPOTKEEPER_LIVE_AZURE_REGION=eastus           optional, the group's region

and credentials DefaultAzureCredential can find (`az login`, or AZURE_CLIENT_ID /
AZURE_TENANT_ID / AZURE_CLIENT_SECRET). Only the semantics that need no simulator control
surface run here; faults, clocks and evictions are the facade's part of the contract suite.
Every resource is named `sk-live-<random>` and deleted at the end.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator

import pytest

from spotkeeper.cloud.azure import AzureCloudProvider, azure_credential
from spotkeeper.cloud.errors import NotFound
from spotkeeper.cloud.port import DiskSpec, NicSpec, PublicIpSpec

LIVE = os.environ.get("SPOTKEEPER_LIVE_AZURE") == "1"
SUBSCRIPTION = os.environ.get("AZURE_SUBSCRIPTION_ID", "")
GROUP = os.environ.get("SPOTKEEPER_LIVE_AZURE_RESOURCE_GROUP", "")
VNET = os.environ.get("SPOTKEEPER_LIVE_AZURE_VNET", "")
REGION = os.environ.get("SPOTKEEPER_LIVE_AZURE_REGION", "eastus")
MISSING = [
    name
    for name, value in (
        ("AZURE_SUBSCRIPTION_ID", SUBSCRIPTION),
        ("SPOTKEEPER_LIVE_AZURE_RESOURCE_GROUP", GROUP),
        ("SPOTKEEPER_LIVE_AZURE_VNET", VNET),
    )
    if not value
]
GONE_WITHIN_S = 300.0

pytestmark = pytest.mark.skipif(
    not LIVE or bool(MISSING),
    reason="live Azure: set SPOTKEEPER_LIVE_AZURE=1 and " + ", ".join(MISSING or ["credentials"]),
)


@pytest.fixture(params=["azure-live"])
def live(request: pytest.FixtureRequest) -> Iterator[AzureCloudProvider]:
    with AzureCloudProvider(azure_credential(), SUBSCRIPTION, polling_interval=5.0) as provider:
        yield provider


def _name() -> str:
    return f"sk-live-{uuid.uuid4().hex[:8]}"


def _gone(get: Callable[[], object]) -> bool:
    """Real deletes are asynchronous: wait until the resource reads as NotFound."""
    deadline = time.monotonic() + GONE_WITHIN_S
    while time.monotonic() < deadline:
        try:
            get()
        except NotFound:
            return True
        time.sleep(5)
    return False


def test_live_inventory_lists_the_working_group(live: AzureCloudProvider) -> None:
    inventory = live.get_inventory(REGION)
    assert GROUP.lower() in {g.lower() for g in inventory.resource_groups}
    vnet, _, subnet = VNET.partition("/")
    assert any(v.name == vnet and subnet in {s.name for s in v.subnets} for v in inventory.virtual_networks)


def test_live_market_quotes_spot_below_on_demand(live: AzureCloudProvider) -> None:
    offers = live.get_market(REGION, ["Standard_D2s_v5"])
    spot = next(o for o in offers if o.lifecycle == "spot")
    od = next(o for o in offers if o.lifecycle == "od")
    assert spot.price_hour is not None and od.price_hour is not None and spot.price_hour < od.price_hour
    assert spot.eviction_band in ("0-5", "5-10", "10-15", "15-20", "20+")


def test_live_ensuring_twice_keeps_the_same_disk_ip_and_nic_then_deletes_them(
    live: AzureCloudProvider,
) -> None:
    name = _name()
    vnet, _, subnet = VNET.partition("/")
    tags = {"spotkeeper-live": name}
    try:
        disk = live.ensure_disk(
            DiskSpec(GROUP, f"{name}-disk", REGION, "StandardSSD_LRS", size_gb=4, tags=tags)
        )
        assert (
            live.ensure_disk(
                DiskSpec(GROUP, f"{name}-disk", REGION, "StandardSSD_LRS", size_gb=4, tags=tags)
            ).id
            == disk.id
        )
        ip = live.ensure_public_ip(PublicIpSpec(GROUP, f"{name}-ip", REGION, tags=tags))
        nic = live.ensure_nic(
            NicSpec(GROUP, f"{name}-nic", REGION, GROUP, vnet, subnet, public_ip_id=ip.id, tags=tags)
        )
        again = live.ensure_nic(
            NicSpec(GROUP, f"{name}-nic", REGION, GROUP, vnet, subnet, public_ip_id=ip.id, tags=tags)
        )
        assert (again.id, again.private_ip) == (nic.id, nic.private_ip)
        assert {r.name for r in live.list_tagged("spotkeeper-live", name)} >= {f"{name}-disk", f"{name}-nic"}
    finally:
        live.delete_nic(GROUP, f"{name}-nic")
        assert _gone(lambda: live.get_nic(GROUP, f"{name}-nic"))
        live.delete_public_ip(GROUP, f"{name}-ip")
        live.delete_disk(GROUP, f"{name}-disk")
        assert _gone(lambda: live.get_disk(GROUP, f"{name}-disk"))
        assert _gone(lambda: live.get_public_ip(GROUP, f"{name}-ip"))
    live.delete_disk(GROUP, f"{name}-disk")  # gone already: success
