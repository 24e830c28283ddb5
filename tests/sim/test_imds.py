"""The IMDS documents a simulated VM sees: Scheduled Events and instance metadata, in Azure's
own shapes."""

from __future__ import annotations

import base64
import re
from dataclasses import replace
from email.utils import parsedate_to_datetime

from spotkeeper.clock import ManualClock
from spotkeeper.sim import SimAzure
from tests.sim.conftest import RG, Builder

RFC1123 = re.compile(r"^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$")


def test_preempt_notice_is_an_imds_scheduled_event_30_seconds_ahead(
    sim: SimAzure, build: Builder, clock: ManualClock
) -> None:
    build.vm("n1")
    assert sim.imds_scheduled_events(RG, "n1") == {"DocumentIncarnation": 0, "Events": []}

    sim.compute.simulate_eviction(RG, "n1")
    document = sim.imds_scheduled_events(RG, "n1")

    assert document["DocumentIncarnation"] == 1
    [event] = document["Events"]
    assert set(event) == {
        "EventId",
        "EventType",
        "ResourceType",
        "Resources",
        "EventStatus",
        "NotBefore",
        "Description",
        "EventSource",
        "DurationInSeconds",
    }
    assert (event["EventType"], event["ResourceType"], event["Resources"]) == (
        "Preempt",
        "VirtualMachine",
        ["n1"],
    )
    assert (event["EventStatus"], event["EventSource"], event["DurationInSeconds"]) == (
        "Scheduled",
        "Platform",
        -1,
    )
    assert RFC1123.match(event["NotBefore"])
    assert (parsedate_to_datetime(event["NotBefore"]) - clock.now()).total_seconds() == 30


def test_event_vanishes_when_the_eviction_completes(sim: SimAzure, build: Builder) -> None:
    build.vm("n1")
    sim.compute.simulate_eviction(RG, "n1")
    sim.advance(29)
    assert sim.vm(RG, "n1").power_state == "running"
    sim.advance(1)
    document = sim.imds_scheduled_events(RG, "n1")
    assert document == {"DocumentIncarnation": 2, "Events": []}
    assert sim.vm(RG, "n1").evicted


def test_approving_a_preempt_event_starts_the_eviction_at_once(sim: SimAzure, build: Builder) -> None:
    build.vm("n1")
    event = sim.compute.simulate_eviction(RG, "n1")
    sim.approve_event(RG, "n1", event.event_id)
    vm = sim.vm(RG, "n1")
    assert (vm.power_state, vm.evicted) == ("deallocated", True)
    kinds = [t.kind for t in sim.trace if t.resource == vm.id.lower()]
    assert kinds.index("vm.event.started") < kinds.index("vm.evicted")


def test_instance_metadata_describes_the_vm_as_azure_does(sim: SimAzure, build: Builder) -> None:
    nic = build.nic("n1-nic", public_ip=True)
    user_data = base64.b64encode(b"role=db").decode()
    request = build.request("n1", nic_ids=[nic.id])
    vm = sim.compute.create_or_update_vm(RG, "n1", replace(request, user_data=user_data, tags={"node": "n1"}))

    document = sim.imds_instance(RG, "n1")

    compute = document["compute"]
    assert compute["name"] == "n1"
    assert compute["vmId"] == vm.vm_id
    assert compute["vmSize"] == "Standard_D2s_v5"
    assert compute["zone"] == "1"
    assert (compute["priority"], compute["evictionPolicy"]) == ("Spot", "Deallocate")
    assert compute["resourceId"] == vm.id
    assert compute["userData"] == user_data
    assert compute["tags"] == "node:n1"
    assert compute["securityProfile"] == {
        "secureBootEnabled": "false",
        "virtualTpmEnabled": "false",
        "encryptionAtHost": "false",
        "securityType": "Standard",
    }
    [interface] = document["network"]["interface"]
    [address] = interface["ipv4"]["ipAddress"]
    assert address == {
        "privateIpAddress": nic.private_ip,
        "publicIpAddress": sim.network.get_public_ip(RG, "n1-nic-ip").address,
    }
    assert interface["ipv4"]["subnet"] == [{"address": "10.0.0.0", "prefix": "24"}]
    assert re.fullmatch(r"[0-9A-F]{12}", interface["macAddress"])


def test_regular_vm_reports_no_eviction_policy(sim: SimAzure, build: Builder) -> None:
    build.vm("n1", priority="Regular")
    compute = sim.imds_instance(RG, "n1")["compute"]
    assert (compute["priority"], compute["evictionPolicy"]) == ("Regular", "")
