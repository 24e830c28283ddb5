"""An import through the store and the worker, stored exactly as the service stores one: the
node in phase `importing` with the request under `importSource` in its state JSON, and an import
record (`sin-…`) whose progress word the worker keeps up to date."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from spotkeeper.cloud.port import NicSpec, OsDiskFromImage, OsProfile, VmSpec
from spotkeeper.store import NodeRecord
from tests.engine.import_support import UBUNTU
from tests.engine.worker_support import RG, World, node_spec, open_world


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    with open_world("sqlite", tmp_path) as opened:
        yield opened


def store_import(world: World, *, vm_name: str, retention: int = 96) -> tuple[NodeRecord, str]:
    spec: dict[str, Any] = node_spec()
    spec["persistence"]["shouldPersistNetwork"] = True
    spec["compute"]["launchSpecification"]["dataDisks"] = []
    now = world.clock.now()
    record = world.store.nodes.create(
        account_id=world.account.id, name=spec["name"], region=spec["region"],
        resource_group_name=spec["resourceGroupName"], spec=spec, phase="importing", status="importing",
        now=now, status_json={"phase": "importing"}, next_due_at=now,
    )
    started = world.store.imports.create(node_id=record.id, vm_name=vm_name, resource_group_name=RG, now=now)
    source = {"importId": started.id, "resourceGroupName": RG, "originalVmName": vm_name,
              "drainingTimeout": 0, "resourcesRetentionTime": retention, "convertUnmanagedDisks": False}
    world.store.nodes.update_node(record.id, expected_version=record.version, now=now,
                                  status_json={"phase": "importing", "importSource": source})
    return world.node(record.id), started.id


def make_vm(world: World, name: str) -> None:
    nic = world.cloud.ensure_nic(NicSpec(RG, f"{name}-nic", "eastus", RG, "sk-vnet", "default"))
    profile = OsProfile(name, "azureuser", ssh_public_key="ssh-ed25519 AAAA x")
    world.cloud.ensure_vm(VmSpec(RG, name, "eastus", "Standard_D2s_v5", "Regular",
                                 OsDiskFromImage(f"{name}-os", UBUNTU, "Premium_LRS"), (nic.id,), zone="1",
                                 os_profile=profile))
    world.sim.advance(60)


def test_worker_carries_out_a_stored_import_and_reports_its_progress(world: World) -> None:
    make_vm(world, "legacy")
    record, import_id = store_import(world, vm_name="legacy")
    worker = world.worker()

    world.drive([worker], lambda: world.status(record.id) == "active", within=timedelta(minutes=15),
                what="the import", node_id=record.id)

    imported = world.store.imports.get(import_id)
    assert imported is not None and imported.state == "ImportCompleted"
    state = world.node(record.id).status_json
    assert state["importSource"]["progress"] == "ImportCompleted"  # type: ignore[index]
    assert state["importSource"]["originalVmName"] == "legacy"  # type: ignore[index]
    pending = [d.resource_id.rsplit("/", 1)[-1] for d in world.store.deletions.pending(node_id=record.id)]
    assert "legacy-os" in pending  # the original OS disk, after the retention time


def test_import_of_a_missing_vm_is_reported_failed(world: World) -> None:
    record, import_id = store_import(world, vm_name="nowhere")
    worker = world.worker()

    world.drive([worker], lambda: world.status(record.id) == "error", within=timedelta(minutes=5),
                what="the import failing", node_id=record.id)

    imported = world.store.imports.get(import_id)
    assert imported is not None and imported.state == "ImportFailed"
    assert "VM nowhere does not exist in resource group sk-sandbox" in world.log(record.id)
