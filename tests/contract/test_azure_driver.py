"""The Azure driver's own translations, without a server: azure-core exceptions → port errors,
SDK models (as Azure's JSON) → port views, port specs → ARM request bodies.

Azure-core's response protocol (`reason`, `status_code`, `headers`, `text()`) is faked by a
small class here: it is the SDK's seam, not ours, and it lets each ARM answer be written out
as Azure sends it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import pytest
from azure.core.exceptions import (
    HttpResponseError,
    ResourceExistsError,
    ResourceNotFoundError,
    ServiceRequestError,
    ServiceResponseTimeoutError,
)
from azure.mgmt.compute import models as compute
from azure.mgmt.network import models as network
from azure.mgmt.resourcegraph.models import QueryResponse

from spotkeeper.cloud.azure import StaticTokenCredential, bodies, mapping
from spotkeeper.cloud.azure.errors import retry_after_seconds, to_port_error
from spotkeeper.cloud.azure.ids import typed_id
from spotkeeper.cloud.errors import (
    CapacityUnavailable,
    CloudError,
    Conflict,
    InvalidRequest,
    NotFound,
    QuotaExceeded,
    Throttled,
    TransientCloudError,
)
from spotkeeper.cloud.port import (
    DataDiskAttach,
    ImageRef,
    NicSpec,
    OsDiskAttach,
    OsDiskFromImage,
    OsProfile,
    VmSpec,
)

SUB = "00000000-0000-0000-0000-000000000001"
RG_ID = f"/subscriptions/{SUB}/resourceGroups/rg"
NICS = f"{RG_ID}/providers/Microsoft.Network/networkInterfaces"
CLOUD_INIT = "I2Nsb3VkLWNvbmZpZw=="
NOW = datetime(2026, 1, 5, tzinfo=UTC)
UBUNTU = ImageRef(
    "marketplace", publisher="Canonical", offer="0001-com-ubuntu-server-jammy", sku="22_04-lts-gen2"
)


@dataclass
class ArmAnswer:
    """An HTTP answer as azure-core's exceptions read it."""

    status_code: int
    body: dict[str, object] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    reason: str = "Error"

    def text(self) -> str:
        return "" if self.body is None else json.dumps(self.body)


def _arm_error(status: int, code: str, message: str = "m", **headers: str) -> ArmAnswer:
    return ArmAnswer(status, {"error": {"code": code, "message": message}}, dict(headers))


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("exception", "answer", "expected"),
    [
        (ResourceExistsError, _arm_error(409, "SkuNotAvailable"), CapacityUnavailable),
        (ResourceExistsError, _arm_error(409, "OperationNotAllowed", "exceeding Cores quota"), QuotaExceeded),
        (ResourceExistsError, _arm_error(409, "PropertyChangeNotAllowed"), Conflict),
        (ResourceNotFoundError, _arm_error(404, "ResourceNotFound"), NotFound),
        (HttpResponseError, _arm_error(400, "NicReservedForAnotherVm", **{"Retry-After": "150"}), Conflict),
        (HttpResponseError, _arm_error(400, "InvalidParameter"), InvalidRequest),
        (HttpResponseError, _arm_error(503, "ServiceUnavailable"), TransientCloudError),
        (HttpResponseError, ArmAnswer(502, None, reason="Bad Gateway"), TransientCloudError),
    ],
)
def test_sdk_errors_are_decided_by_the_arm_code_not_the_exception_class(
    exception: type[HttpResponseError], answer: ArmAnswer, expected: type[CloudError]
) -> None:
    error = to_port_error(exception(response=answer), size="Standard_D2s_v5", zone="1", lifecycle="spot")
    assert type(error) is expected


def test_a_409_capacity_error_names_the_market_it_was_about() -> None:
    error = to_port_error(
        ResourceExistsError(response=_arm_error(409, "ZonalAllocationFailed")),
        size="Standard_D4s_v5",
        zone="2",
        lifecycle="od",
    )
    assert isinstance(error, CapacityUnavailable)
    assert (error.size, error.zone, error.lifecycle, error.code) == (
        "Standard_D4s_v5",
        "2",
        "od",
        "ZonalAllocationFailed",
    )


def test_a_failed_long_running_operation_is_read_from_its_final_poll() -> None:
    """A failed LRO surfaces as an HttpResponseError carrying the poll's 200 and the
    operation's error."""
    poll = ArmAnswer(200, {"status": "Failed", "error": {"code": "AllocationFailed", "message": "no room"}})
    assert isinstance(to_port_error(HttpResponseError(response=poll), size="s"), CapacityUnavailable)
    timeout = ArmAnswer(
        200, {"status": "Failed", "error": {"code": "OSProvisioningTimedOut", "message": "x"}}
    )
    assert isinstance(to_port_error(HttpResponseError(response=timeout)), TransientCloudError)


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"Retry-After": "7"}, 7.0),
        ({"retry-after": "2.5"}, 2.5),
        ({"x-ms-retry-after-ms": "1500"}, 1.5),
        ({"Retry-After": "Mon, 05 Jan 2026 00:00:40 GMT"}, 40.0),
        ({}, None),
    ],
)
def test_retry_after_is_read_in_every_form_azure_sends(
    headers: dict[str, str], seconds: float | None
) -> None:
    assert retry_after_seconds(headers, now=NOW) == seconds


def test_a_wait_azure_states_in_its_message_becomes_retry_after() -> None:
    message = "Nic(s) in request is reserved for another Virtual Machine for 180 seconds. Please provide "
    message += "another nic(s) or retry after 180 seconds. Reserved VM: /subscriptions/s/..."
    error = to_port_error(HttpResponseError(response=_arm_error(400, "NicReservedForAnotherVm", message)))
    assert isinstance(error, Conflict)
    assert error.retry_after == 180.0


def test_throttling_carries_azures_wait() -> None:
    error = to_port_error(
        HttpResponseError(response=_arm_error(429, "TooManyRequests", **{"Retry-After": "7"}))
    )
    assert isinstance(error, Throttled)
    assert error.retry_after == 7.0


@pytest.mark.parametrize(
    "failure", [ServiceRequestError("refused"), ServiceResponseTimeoutError("timed out")]
)
def test_not_reaching_azure_is_transient(failure: Exception) -> None:
    error = to_port_error(failure)  # type: ignore[arg-type]
    assert isinstance(error, TransientCloudError)


# ----------------------------------------------------------------------------- instance view


def _vm(
    *, statuses: list[dict[str, str]], agent: list[dict[str, str]] | None = None, **props: object
) -> compute.VirtualMachine:
    view: dict[str, object] = {"statuses": statuses}
    if agent is not None:
        view["vmAgent"] = {"statuses": agent}
    properties: dict[str, object] = {
        "vmId": "f4f6b2b2-0000-4000-8000-000000000000",
        "provisioningState": "Succeeded",
        "hardwareProfile": {"vmSize": "Standard_D2s_v5"},
        "priority": "Spot",
        "evictionPolicy": "Deallocate",
        "storageProfile": {
            "osDisk": {"osType": "Linux", "createOption": "Attach", "caching": "ReadWrite",
                       "managedDisk": {"id": f"{RG_ID}/providers/Microsoft.Compute/disks/n1-os"}},
            "dataDisks": [
                {"lun": 1, "createOption": "Attach", "caching": "ReadOnly",
                 "managedDisk": {"id": f"{RG_ID}/providers/Microsoft.Compute/disks/d1"}},
                {"lun": 0, "createOption": "Attach", "caching": "None",
                 "managedDisk": {"id": f"{RG_ID}/providers/Microsoft.Compute/disks/d0"}},
            ],
        },
        "networkProfile": {"networkInterfaces": [
            {"id": f"{NICS}/second", "properties": {"primary": False}},
            {"id": f"{NICS}/first", "properties": {"primary": True}},
        ]},
        "instanceView": view,
    }  # fmt: skip
    properties.update(props)
    return compute.VirtualMachine(
        {
            "id": f"{RG_ID}/providers/Microsoft.Compute/virtualMachines/n1",
            "name": "n1",
            "location": "eastus",
            "zones": ["2"],
            "properties": properties,
        }
    )


RUNNING = [{"code": "ProvisioningState/succeeded"}, {"code": "PowerState/running"}]
READY = [{"code": "ProvisioningState/succeeded", "displayStatus": "Ready"}]


def test_power_state_and_agent_are_read_by_prefix_whatever_the_order() -> None:
    vm = mapping.vm_view(_vm(statuses=list(reversed(RUNNING)), agent=READY), now=NOW)
    assert (vm.power_state, vm.agent_status, vm.provisioning_state) == ("running", "Ready", "Succeeded")
    not_ready = [{"code": "ProvisioningState/Unavailable", "displayStatus": "Not Ready"}]
    assert mapping.vm_view(_vm(statuses=RUNNING, agent=not_ready), now=NOW).agent_status == "NotReady"


def test_a_missing_power_state_entry_is_not_mistaken_for_another_state() -> None:
    creating = mapping.vm_view(
        _vm(statuses=[{"code": "ProvisioningState/creating"}], provisioningState="Creating"), now=NOW
    )
    assert (creating.power_state, creating.agent_status) == ("starting", "NotReady")
    updating = mapping.vm_view(
        _vm(statuses=[{"code": "ProvisioningState/updating"}], provisioningState="Updating"), now=NOW
    )
    assert (updating.power_state, updating.agent_status) == ("unknown", "Unknown")


def test_an_allocation_failure_reported_later_shows_its_code() -> None:
    failed = [{"code": "ProvisioningState/failed/AllocationFailed", "level": "Error"}]
    vm = mapping.vm_view(_vm(statuses=failed, provisioningState="Failed"), now=NOW)
    assert (vm.provisioning_state, vm.failure_code) == ("Failed", "AllocationFailed")


def test_a_deallocated_spot_vm_reads_as_evicted_and_a_regular_one_does_not() -> None:
    deallocated = [{"code": "ProvisioningState/succeeded"}, {"code": "PowerState/deallocated"}]
    spot = mapping.vm_view(_vm(statuses=deallocated), now=NOW)
    assert (spot.power_state, spot.evicted) == ("deallocated", True)
    regular = mapping.vm_view(_vm(statuses=deallocated, priority="Regular", evictionPolicy=None), now=NOW)
    assert (regular.evicted, regular.eviction_policy, regular.lifecycle) == (False, None, "od")
    assert not mapping.vm_view(_vm(statuses=RUNNING), now=NOW).evicted


def test_a_generalized_vm_is_recognised() -> None:
    statuses = [*RUNNING[:1], {"code": "OSState/generalized"}, {"code": "PowerState/stopped"}]
    assert mapping.vm_view(_vm(statuses=statuses), now=NOW).generalized


def test_vm_disks_and_nics_come_back_in_port_order_with_azures_words() -> None:
    vm = mapping.vm_view(_vm(statuses=RUNNING), now=NOW)
    assert [(d.lun, d.disk_id.rsplit("/", 1)[-1], d.caching) for d in vm.data_disks] == [
        (0, "d0", "None"),
        (1, "d1", "ReadOnly"),
    ]
    assert [n.rsplit("/", 1)[-1] for n in vm.nic_ids] == ["first", "second"]
    assert (vm.resource_group, vm.zone, vm.priority, vm.os_type) == ("rg", "2", "Spot", "Linux")
    assert vm.time_created == NOW  # Azure's view lacked it: the reading time stands in


def test_sdk_enums_become_azures_own_words() -> None:
    pip = network.PublicIPAddress(
        {"id": f"{RG_ID}/providers/Microsoft.Network/publicIPAddresses/ip", "name": "ip",
         "location": "eastus", "sku": {"name": "Standard"},
         "properties": {"ipAddress": "20.1.2.3", "provisioningState": "Succeeded",
                        "ipConfiguration": {"id": f"{NICS}/nic/ipConfigurations/ipconfig1"}}}
    )  # fmt: skip
    view = mapping.public_ip_view(pip)
    assert (view.sku, view.provisioning_state, view.address) == ("Standard", "Succeeded", "20.1.2.3")
    assert view.attached_nic_id == f"{NICS}/nic"


@pytest.mark.parametrize(
    ("azure", "port"),
    [("Succeeded", "Succeeded"), ("Updating", "Updating"), ("Canceled", "Failed"), ("Accepted", "Updating"),
     (None, "Succeeded")],
)  # fmt: skip
def test_provisioning_states_fit_the_ports_five_words(azure: str | None, port: str) -> None:
    assert mapping.provisioning(azure) == port


# ----------------------------------------------------------------------------- documents


def test_resource_graph_rows_are_read_as_objects_or_as_a_table() -> None:
    objects = QueryResponse(total_records=1, count=1, result_truncated="false", data=[{"a": 1}])
    assert mapping.rows_of(objects.data) == [{"a": 1}]
    table = {"columns": [{"name": "sku", "type": "string"}, {"name": "rate", "type": "string"}],
             "rows": [["standard_d2s_v5", "5-10"]]}  # fmt: skip
    assert mapping.rows_of(table) == [{"sku": "standard_d2s_v5", "rate": "5-10"}]
    row = {
        "sku": {"name": "standard_d2s_v5"},
        "properties": {"spotPrices": [{"priceUSD": 0.01}, {"priceUSD": 0.2}]},
    }
    assert mapping.row_number(row, "properties.spotPrices[0].priceUSD") == 0.01
    assert mapping.row_text(row, "properties.spotPrices[5].priceUSD") is None


@pytest.mark.parametrize(("raw", "band"), [("0-5", "0-5"), ("10-15%", "10-15"), (" 20+ ", "20+"), ("", None)])
def test_eviction_bands_tolerate_a_percent_sign(raw: str, band: str | None) -> None:
    assert mapping.eviction_band(raw) == band


def test_imds_scheduled_events_are_read_with_their_rfc1123_time() -> None:
    document = {"DocumentIncarnation": 2, "Events": [
        {"EventId": "E1", "EventType": "Preempt", "ResourceType": "VirtualMachine", "Resources": ["n1"],
         "EventStatus": "Scheduled", "NotBefore": "Mon, 05 Jan 2026 00:00:30 GMT", "Description": "",
         "EventSource": "Platform", "DurationInSeconds": -1},
        {"EventId": "E2", "EventType": "Unheard", "Resources": []},
    ]}  # fmt: skip
    [event] = mapping.scheduled_events(document)
    assert (event.event_type, event.resources, event.not_before) == (
        "Preempt",
        ("n1",),
        NOW + timedelta(seconds=30),
    )


# ----------------------------------------------------------------------------- bodies


def _spec(**changes: object) -> VmSpec:
    os_disk = OsDiskFromImage("n1-os", UBUNTU, "Premium_LRS")
    spec = VmSpec(
        "rg", "n1", "eastus", "Standard_D2s_v5", "Spot", os_disk, (f"{NICS}/n1-nic",),
        zone="1", data_disks=(DataDiskAttach(0, f"{RG_ID}/providers/Microsoft.Compute/disks/d0"),),
        os_profile=OsProfile("n1", "azureuser", ssh_public_key="ssh-ed25519 AAAA", custom_data=CLOUD_INIT),
        user_data="ZWNobyBoaQ==",
    )  # fmt: skip
    return replace(spec, **changes)  # type: ignore[arg-type]


def test_every_vm_keeps_its_disks_and_nics_and_spot_never_evicts_for_price() -> None:
    props = bodies.vm_body(_spec(), SUB)["properties"]
    assert isinstance(props, dict)
    storage, nics = props["storageProfile"], props["networkProfile"]["networkInterfaces"]
    assert storage["osDisk"]["deleteOption"] == "Detach"
    assert [d["deleteOption"] for d in storage["dataDisks"]] == ["Detach"]
    assert [n["properties"] for n in nics] == [{"primary": True, "deleteOption": "Detach"}]
    assert (props["evictionPolicy"], props["billingProfile"]) == ("Deallocate", {"maxPrice": -1.0})
    assert props["userData"] == "ZWNobyBoaQ=="
    assert props["osProfile"]["customData"] == CLOUD_INIT


def test_a_regular_vm_carries_no_spot_settings() -> None:
    props = bodies.vm_body(_spec(priority="Regular", eviction_policy=None), SUB)["properties"]
    assert isinstance(props, dict)
    assert "evictionPolicy" not in props and "billingProfile" not in props
    assert props["priority"] == "Regular"


def test_os_profile_goes_only_with_an_image_and_never_on_an_update() -> None:
    attach = _spec(os_disk=OsDiskAttach(f"{RG_ID}/providers/Microsoft.Compute/disks/n1-os"), os_profile=None)
    props = bodies.vm_body(attach, SUB, attached_os_type="Linux")["properties"]
    assert isinstance(props, dict)
    assert "osProfile" not in props and "imageReference" not in props["storageProfile"]
    assert props["storageProfile"]["osDisk"]["osType"] == "Linux"
    update = bodies.vm_body(_spec(), SUB, update=True)["properties"]
    assert isinstance(update, dict) and "osProfile" not in update


def test_a_nic_update_keeps_the_address_it_already_has() -> None:
    spec = NicSpec("rg", "nic", "eastus", "rg", "vnet", "default")
    body = bodies.nic_body(spec, subnet_id="subnet-id", kept_private_ip="10.0.0.7", primary_config_name="cfg")
    [config] = body["properties"]["ipConfigurations"]  # type: ignore[index]
    assert config["name"] == "cfg"
    assert (config["properties"]["privateIPAddress"], config["properties"]["privateIPAllocationMethod"]) == (
        "10.0.0.7",
        "Dynamic",
    )


# ----------------------------------------------------------------------------- ids and credentials


def test_resource_ids_are_built_from_the_subscription() -> None:
    assert typed_id(SUB, "Microsoft.Network/virtualNetworks/subnets", "rg", "vnet/default") == (
        f"{RG_ID}/providers/Microsoft.Network/virtualNetworks/vnet/subnets/default"
    )
    with pytest.raises(ValueError, match="does not fit"):
        typed_id(SUB, "Microsoft.Network/virtualNetworks/subnets", "rg", "vnet")


def test_the_static_credential_hands_out_its_token_for_any_scope() -> None:
    credential = StaticTokenCredential("facade")
    token = credential.get_token("https://management.azure.com/.default")
    assert token.token == "facade" and token.expires_on > datetime.now(UTC).timestamp()
    with pytest.raises(ValueError, match="empty"):
        StaticTokenCredential("")
