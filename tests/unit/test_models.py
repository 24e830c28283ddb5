"""The wire models: what a client may send, what it gets back, and how mistakes are named."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from spotkeeper.spec.models import (
    AttachDataDisk,
    DeallocationConfig,
    DetachDataDisk,
    StateChange,
    StatefulNode,
    StatefulNodeImport,
    SwapOsDisk,
    body_to_wire,
    node_to_wire,
    parse_body,
    parse_node,
)
from spotkeeper.spec.problems import Problem, SpecError
from spotkeeper.spec.secrets import redact_secrets, secret_paths
from tests.factories import get_path, minimal_node, valid_node, windows_node, with_path, without_path

# The create body spotinst-sdk2 3.22.0 sends (spot-api.md §10), byte for byte in content.
PY_SDK_CREATE_BODY: dict[str, Any] = json.loads(
    """
{
  "statefulNode": {
    "compute": {
      "launchSpecification": {
        "bootDiagnostics": {
          "isEnabled": true,
          "storageUri": "https://example.blob.core.windows.net/",
          "type": "unmanaged"
        },
        "customData": "I2Nsb3VkLWNvbmZpZwo=",
        "dataDisks": [{"caching": "ReadOnly", "lun": 0, "sizeGB": 128, "type": "Premium_LRS"}],
        "extensions": [
          {
            "apiVersion": "2.0",
            "minorVersionAutoUpgrade": true,
            "name": "customScript",
            "protectedSettings": {"commandToExecute": "bash y.sh"},
            "publicSettings": {"fileUris": ["https://x/y.sh"]},
            "publisher": "Microsoft.Azure.Extensions",
            "type": "customScript"
          }
        ],
        "image": {
          "marketplace": {
            "offer": "0001-com-ubuntu-server-jammy",
            "publisher": "Canonical",
            "sku": "22_04-lts-gen2",
            "version": "latest"
          }
        },
        "licenseType": "RHEL_BYOS",
        "loadBalancersConfig": {
          "loadBalancers": [
            {
              "backendPoolNames": ["pool1"],
              "loadBalancerSku": "Standard",
              "name": "lb1",
              "resourceGroupName": "rg",
              "type": "loadBalancer"
            }
          ]
        },
        "login": {"sshPublicKey": "ssh-rsa AAAA...", "userName": "azureuser"},
        "managedServiceIdentities": [{"name": "mi1", "resourceGroupName": "rg"}],
        "network": {
          "networkInterfaces": [
            {
              "additionalIpConfigurations": [{"name": "ipconfig2", "privateIpAddressVersion": "IPv4"}],
              "applicationSecurityGroups": [{"name": "asg1", "resourceGroupName": "rg"}],
              "assignPublicIp": true,
              "enableIpForwarding": false,
              "isPrimary": true,
              "networkSecurityGroup": {"name": "nsg1", "resourceGroupName": "rg"},
              "privateIpAddresses": ["10.0.0.10"],
              "publicIpSku": "Standard",
              "publicIps": [{"name": "pip1", "resourceGroupName": "rg"}],
              "subnetName": "default"
            }
          ],
          "resourceGroupName": "net-rg",
          "virtualNetworkName": "vnet1"
        },
        "osDisk": {"caching": "ReadWrite", "sizeGB": 64, "type": "Premium_LRS"},
        "proximityPlacementGroups": [{"name": "ppg1", "resourceGroupName": "rg"}],
        "secrets": [
          {
            "sourceVault": {"name": "kv1", "resourceGroupName": "rg"},
            "vaultCertificates": [
              {"certificateStore": null, "certificateUrl": "https://kv1.vault.azure.net/secrets/cert/1"}
            ]
          }
        ],
        "security": {"secureBootEnabled": true, "securityType": "TrustedLaunch", "vTpmEnabled": true},
        "shutdownScript": "IyEvYmluL2Jhc2g=",
        "tags": [{"tagKey": "env", "tagValue": "dev"}],
        "userData": "IyEvYmluL2Jhc2g=",
        "vmName": "example-vm"
      },
      "os": "Linux",
      "preferredZone": "1",
      "vmSizes": {
        "odSizes": ["standard_ds2_v2"],
        "preferredSpotSizes": ["standard_d2s_v3"],
        "spotSizes": ["standard_ds2_v2", "standard_d2s_v3"]
      },
      "zones": ["1", "2"]
    },
    "description": "example",
    "health": {
      "autoHealing": true,
      "gracePeriod": 120,
      "healthCheckTypes": ["vmState"],
      "unhealthyDuration": 360
    },
    "name": "example-ssn",
    "persistence": {
      "dataDisksPersistenceMode": "reattach",
      "osDiskPersistenceMode": "reattach",
      "shouldPersistDataDisks": true,
      "shouldPersistNetwork": true,
      "shouldPersistOsDisk": true
    },
    "region": "eastus",
    "resourceGroupName": "spotinst-azure",
    "scheduling": {
      "tasks": [
        {"cronExpression": "0 20 * * 1-5", "isEnabled": true, "type": "pause"},
        {"cronExpression": "0 7 * * 1-5", "isEnabled": true, "type": "resume"}
      ]
    },
    "strategy": {
      "availabilityVsCost": 100,
      "capacityReservation": {
        "capacityReservationGroups": [
          {"name": "crg1", "resourceGroupName": "rg", "shouldPrioritize": true}
        ],
        "shouldUtilize": true,
        "utilizationStrategy": "utilizeOverOD"
      },
      "drainingTimeout": 120,
      "fallbackToOd": true,
      "odWindows": ["Wed:19:46-Wed:21:46"],
      "optimizationWindows": ["Tue:19:46-Tue:20:46"],
      "preferredLifecycle": "spot",
      "revertToSpot": {"performAt": "timeWindow"},
      "signals": [{"timeout": 1800, "type": "vmReady"}, {"timeout": 120, "type": "vmReadyToShutdown"}]
    }
  }
}
"""
)["statefulNode"]

LAUNCH = "compute.launchSpecification"
NIC0 = f"{LAUNCH}.network.networkInterfaces[0]"


def problems_of(raw: Any) -> list[Problem]:
    with pytest.raises(SpecError) as caught:
        parse_node(raw)
    return caught.value.problems


def only_problem(raw: Any) -> Problem:
    problems = problems_of(raw)
    assert len(problems) == 1, problems
    return problems[0]


# --- round trips ---------------------------------------------------------------------------------


def test_python_sdk_create_body_round_trips_exactly() -> None:
    node = parse_node(PY_SDK_CREATE_BODY)

    assert node_to_wire(node, include_secrets=True) == PY_SDK_CREATE_BODY


@pytest.mark.parametrize("factory", [valid_node, minimal_node, windows_node])
def test_factory_nodes_parse_and_round_trip(factory: Any) -> None:
    raw = factory()

    assert node_to_wire(parse_node(raw), include_secrets=True) == raw


def test_parsing_does_not_modify_the_input() -> None:
    raw = with_path(valid_node(), "compute.launchSpecification.bootDiagnostics", {"storageUrl": "https://x"})
    raw["id"] = "ssn-12345678"
    before = copy.deepcopy(raw)

    parse_node(raw)

    assert raw == before


def test_attributes_are_the_snake_case_of_the_wire_keys() -> None:
    node = parse_node(PY_SDK_CREATE_BODY)

    assert node.resource_group_name == "spotinst-azure"
    assert node.strategy is not None and node.strategy.fallback_to_od is True
    assert (
        node.strategy.revert_to_spot is not None and node.strategy.revert_to_spot.perform_at == "timeWindow"
    )
    assert node.compute is not None and node.compute.vm_sizes is not None
    assert node.compute.vm_sizes.od_sizes == ["standard_ds2_v2"]
    launch = node.compute.launch_specification
    assert launch is not None and launch.os_disk is not None and launch.os_disk.size_gb == 64
    assert launch.security is not None and launch.security.v_tpm_enabled is True
    assert launch.network is not None and launch.network.network_interfaces is not None
    assert launch.network.network_interfaces[0].public_ip_sku == "Standard"
    assert launch.boot_diagnostics is not None
    assert launch.boot_diagnostics.storage_uri == "https://example.blob.core.windows.net/"
    assert node.persistence is not None and node.persistence.should_persist_os_disk is True


def test_go_and_openapi_only_fields_are_accepted_and_echoed() -> None:
    raw = valid_node(integrations={"insights": {"isEnabled": True, "dataCollectionRuleId": "dcr-1"}})
    raw["strategy"].update(
        {
            "vmAdmins": ["admin@example.com"],
            "shouldUtilizeCommitments": True,
            "interruptionToleration": {
                "isEnabled": True,
                "cooldown": 240,
                "evaluationPeriod": 60,
                "threshold": 5,
            },
            "capacityReservation": {"shouldUtilize": True, "utilizationStrategy": "utilizeOverSpot"},
        }
    )
    raw["compute"]["vmSizes"].update(
        {
            "excludedVmSizes": ["standard_b1s"],
            "spotSizeAttributes": {"minCpu": 2, "maxCpu": 8, "minMemory": 4, "maxMemory": 32},
        }
    )
    launch = raw["compute"]["launchSpecification"]
    launch["purchasePlan"] = {"publisher": "p", "product": "q", "name": "r"}
    launch["security"].update({"encryptionAtHost": True, "confidentialOsDiskEncryption": None})
    launch["managedServiceIdentities"] = [
        {"name": "mi", "resourceGroupName": "rg", "subscriptionId": "sub-1"}
    ]
    launch["dataDisks"][0]["caching"] = "ReadOnly"
    launch["extensions"] = [
        {
            "name": "ext",
            "type": "customScript",
            "publisher": "Microsoft.Azure.Extensions",
            "apiVersion": "2.0",
            "minorVersionAutoUpgrade": True,
            "enableAutomaticUpgrade": False,
            "protectedSettingsFromKeyVault": {
                "sourceVault": "/subscriptions/x/vault",
                "secretUrl": "https://s",
            },
        }
    ]

    node = parse_node(raw)

    assert node_to_wire(node, include_secrets=True) == raw
    assert node.strategy is not None and node.strategy.vm_admins == ["admin@example.com"]
    assert node.compute is not None and node.compute.vm_sizes is not None
    assert node.compute.vm_sizes.spot_size_attributes is not None
    assert node.compute.vm_sizes.spot_size_attributes.max_memory == 32


def test_an_empty_object_is_a_valid_shape_and_required_keys_are_left_to_the_rules() -> None:
    node = parse_node({})

    assert node.name is None and node.compute is None
    assert node_to_wire(node) == {}


def test_empty_objects_are_echoed_as_empty_objects() -> None:
    raw = valid_node(scheduling={}, strategy={})
    raw["compute"]["launchSpecification"]["loadBalancersConfig"] = {}

    assert node_to_wire(parse_node(raw)) == redact_secrets(raw)


def test_user_settings_objects_keep_any_keys() -> None:
    settings = {"fileUris": ["https://x/y.sh"], "nested": {"any_key": [1, None, {"deep": True}]}}
    raw = with_path(
        valid_node(),
        f"{LAUNCH}.extensions",
        [
            {
                "name": "e",
                "type": "t",
                "publisher": "p",
                "apiVersion": "1.0",
                "minorVersionAutoUpgrade": False,
                "publicSettings": settings,
            }
        ],
    )

    node = parse_node(raw)

    assert get_path(node_to_wire(node), f"{LAUNCH}.extensions[0].publicSettings") == settings


# --- nulls -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        f"{LAUNCH}.osDisk.sizeGB",
        f"{LAUNCH}.security",
        f"{LAUNCH}.vmName",
        "strategy.vmAdmins",
        "strategy.revertToSpot",
        "compute.zones",
        f"{NIC0}.publicIpSku",
        "health",
        "description",
    ],
)
def test_null_is_accepted_for_an_optional_field_and_echoed(path: str) -> None:
    raw = with_path(valid_node(), path, None)

    wire = node_to_wire(parse_node(raw))

    assert get_path(wire, path) is None


def test_null_vm_admins_is_kept_apart_from_an_absent_key() -> None:
    with_null = parse_node(with_path(valid_node(), "strategy.vmAdmins", None))
    absent = parse_node(valid_node())

    assert "vmAdmins" in node_to_wire(with_null)["strategy"]
    assert "vmAdmins" not in node_to_wire(absent)["strategy"]


def test_null_for_a_required_list_item_key_is_reported_as_required() -> None:
    problem = only_problem(with_path(valid_node(), f"{LAUNCH}.dataDisks[0].lun", None))

    assert (problem.code, problem.field) == ("REQUIRED", f"{LAUNCH}.dataDisks[0].lun")
    assert "cannot be null" in problem.message


# --- unknown keys ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "suggestion"),
    [
        ("nmae", "name"),
        ("strategy.revertToSpot.performAtt", "performAt"),
        (f"{LAUNCH}.netwrok", "network"),
        (f"{NIC0}.publicIpSkuu", "publicIpSku"),
        (f"{LAUNCH}.dataDisks[0].size_gb", "sizeGB"),
        ("persistence.shouldPersistOSDisk", "shouldPersistOsDisk"),
    ],
)
def test_an_unknown_key_is_named_by_its_full_wire_path_with_a_suggestion(path: str, suggestion: str) -> None:
    problem = only_problem(with_path(valid_node(), path, {}))

    assert (problem.code, problem.field) == ("UNKNOWN_FIELD", path)
    assert f'did you mean "{suggestion}"' in problem.message


def test_an_unknown_key_without_a_near_miss_gets_no_suggestion() -> None:
    problem = only_problem(with_path(valid_node(), "compute.launchSpecification.zzzz", 1))

    assert problem.field == f"{LAUNCH}.zzzz"
    assert "did you mean" not in problem.message
    assert "compute.launchSpecification" in problem.message


def test_snake_case_attribute_names_are_not_accepted_as_input() -> None:
    raw = without_path(valid_node(), "resourceGroupName")
    raw["resource_group_name"] = "sk-sandbox"

    problem = only_problem(raw)

    assert (problem.code, problem.field) == ("UNKNOWN_FIELD", "resource_group_name")
    assert '"resourceGroupName"' in problem.message


# --- types and values --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "value", "words"),
    [
        ("strategy.fallbackToOd", "true", 'must be true or false, not the string "true"'),
        ("strategy.drainingTimeout", "10", 'must be a whole number, not the string "10"'),
        (f"{LAUNCH}.osDisk.sizeGB", 64.5, "must be a whole number"),
        (f"{NIC0}.isPrimary", 1, "must be true or false, not the number 1"),
        ("compute.zones", "1", "must be a list"),
        (f"{LAUNCH}.tags", {"env": "test"}, "must be a list, not an object"),
        (f"{LAUNCH}.login", "azureuser", "must be an object"),
        ("name", 7, "must be a string, not the number 7"),
        ("strategy.drainingTimeout", True, "must be a whole number, not true"),
    ],
)
def test_a_value_of_the_wrong_json_type_is_invalid_type(path: str, value: Any, words: str) -> None:
    problem = only_problem(with_path(valid_node(), path, value))

    assert (problem.code, problem.field) == ("INVALID_TYPE", path)
    assert words in problem.message


@pytest.mark.parametrize(
    ("path", "value", "choices"),
    [
        ("persistence.osDiskPersistenceMode", "snapshot", "reattach, onLaunch"),
        ("strategy.revertToSpot.performAt", "sometimes", "timeWindow, never, always"),
        ("strategy.preferredLifecycle", "ondemand", "od, spot"),
        ("compute.os", "linux", "Linux, Windows"),
        (f"{NIC0}.publicIpSku", "Premium", "Standard, Basic"),
        (f"{LAUNCH}.osDisk.type", "UltraSSD_LRS", "Standard_LRS, Premium_LRS, StandardSSD_LRS"),
        (f"{LAUNCH}.security.securityType", "Confidential", "Standard, TrustedLaunch, ConfidentialVM"),
        ("health.healthCheckTypes[0]", "http", "vmState, applicationGateway, vmAgent"),
        ("scheduling.tasks[0].type", "stop", "pause, resume, recycle"),
        ("compute.zones[1]", "4", "1, 2, 3"),
    ],
)
def test_a_value_outside_an_enumeration_lists_the_accepted_values(
    path: str, value: str, choices: str
) -> None:
    problem = only_problem(with_path(valid_node(), path, value))

    assert (problem.code, problem.field) == ("INVALID_VALUE", path)
    assert f"must be one of: {choices}" in problem.message
    assert f'"{value}"' in problem.message


def test_a_zone_sent_as_a_number_is_a_type_error_naming_the_string_values() -> None:
    problem = only_problem(with_path(valid_node(), "compute.zones", [1]))

    assert (problem.code, problem.field) == ("INVALID_TYPE", "compute.zones[0]")
    assert "must be a string, one of: 1, 2, 3" in problem.message


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("health.healthCheckTypes", ["vmState", "vmAgent", "applicationGateway"]),
        (f"{LAUNCH}.security", {"securityType": "ConfidentialVM", "confidentialOsDiskEncryption": True}),
        (f"{NIC0}.publicIpSku", "Basic"),
        (f"{LAUNCH}.dataDisks[0].type", "PremiumV2_LRS"),
        ("strategy.signals", [{"type": "vmReadyToShutdown"}]),
        (f"{LAUNCH}.bootDiagnostics", {"isEnabled": True, "type": "managed"}),
    ],
)
def test_every_documented_wire_value_is_accepted(path: str, value: Any) -> None:
    parse_node(with_path(valid_node(), path, value))


@pytest.mark.parametrize(
    ("item_path", "key"),
    [
        (f"{LAUNCH}.dataDisks[0]", "lun"),
        (f"{LAUNCH}.dataDisks[0]", "sizeGB"),
        (f"{LAUNCH}.dataDisks[0]", "type"),
        (NIC0, "isPrimary"),
        (NIC0, "subnetName"),
        ("scheduling.tasks[0]", "cronExpression"),
    ],
)
def test_a_list_item_missing_a_key_the_schema_requires_is_reported_as_required(
    item_path: str, key: str
) -> None:
    problem = only_problem(without_path(valid_node(), f"{item_path}.{key}"))

    assert (problem.code, problem.field) == ("REQUIRED", f"{item_path}.{key}")


def test_every_problem_in_a_body_is_reported_at_once() -> None:
    raw = with_path(valid_node(), "strategy.fallbackToOd", "yes")
    raw = with_path(raw, f"{NIC0}.subnetNmae", "default")
    raw = with_path(raw, "persistence.osDiskPersistenceMode", "always")

    fields = {problem.field for problem in problems_of(raw)}

    assert fields == {"strategy.fallbackToOd", f"{NIC0}.subnetNmae", "persistence.osDiskPersistenceMode"}


def test_a_body_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(SpecError) as caught:
        parse_node(["not", "a", "node"])  # type: ignore[arg-type]

    assert caught.value.problems[0].code == "INVALID_TYPE"


# --- alternate spellings, ignored keys ---------------------------------------------------------


@pytest.mark.parametrize(
    ("parent", "primary", "alternate", "value", "attribute_path"),
    [
        (
            f"{LAUNCH}.bootDiagnostics",
            "storageUri",
            "storageUrl",
            "https://sa.blob.core.windows.net/",
            ("compute", "launch_specification", "boot_diagnostics", "storage_uri"),
        ),
        ("strategy", "preferredLifecycle", "preferredLifeCycle", "od", ("strategy", "preferred_lifecycle")),
        (
            "compute.vmSizes.spotSizeAttributes",
            "maxStorage",
            "MaxStorage",
            512,
            ("compute", "vm_sizes", "spot_size_attributes", "max_storage"),
        ),
        (
            f"{NIC0}.additionalIpConfigurations[0]",
            "privateIpAddressVersion",
            "privateIPAddressVersion",
            "IPv6",
            (
                "compute",
                "launch_specification",
                "network",
                "network_interfaces",
                0,
                "additional_ip_configurations",
                0,
                "private_ip_address_version",
            ),
        ),
    ],
)
@pytest.mark.parametrize("sent", ["primary", "alternate"])
def test_both_spellings_are_accepted_and_the_sent_one_is_echoed(
    parent: str, primary: str, alternate: str, value: Any, attribute_path: tuple[str | int, ...], sent: str
) -> None:
    key = primary if sent == "primary" else alternate
    other = alternate if sent == "primary" else primary
    base = without_path(valid_node(), "strategy.preferredLifecycle")
    raw = with_path(base, f"{parent}.{key}", value)

    node = parse_node(raw)
    wire = node_to_wire(node)

    assert get_path(wire, f"{parent}.{key}") == value
    assert other not in get_path(wire, parent)
    current: Any = node
    for step in attribute_path:
        current = current[step] if isinstance(step, int) else getattr(current, step)
    assert current == value


def test_sending_both_spellings_of_a_field_is_refused() -> None:
    raw = with_path(
        valid_node(), f"{LAUNCH}.bootDiagnostics", {"storageUri": "https://a", "storageUrl": "https://b"}
    )

    problem = only_problem(raw)

    assert (problem.code, problem.field) == ("DUPLICATE_FIELD", f"{LAUNCH}.bootDiagnostics.storageUrl")
    assert '"storageUri" and "storageUrl"' in problem.message


def test_a_wrong_value_under_the_alternate_spelling_is_reported_under_that_spelling() -> None:
    raw = with_path(valid_node(), f"{LAUNCH}.bootDiagnostics", {"isEnabled": True, "storageUrl": 42})

    problem = only_problem(raw)

    assert (problem.code, problem.field) == ("INVALID_TYPE", f"{LAUNCH}.bootDiagnostics.storageUrl")


def test_wire_key_reports_the_spelling_the_client_used() -> None:
    node = parse_node(with_path(valid_node(), f"{LAUNCH}.bootDiagnostics", {"storageUrl": "https://a"}))

    assert node.compute is not None and node.compute.launch_specification is not None
    boot = node.compute.launch_specification.boot_diagnostics
    assert boot is not None and boot.wire_key("storage_uri") == "storageUrl"
    assert boot.wire_key("is_enabled") == "isEnabled"


def test_retired_should_persist_vm_is_accepted_and_dropped() -> None:
    raw = with_path(valid_node(), "persistence.shouldPersistVm", True)

    wire = node_to_wire(parse_node(raw))

    assert "shouldPersistVm" not in wire["persistence"]
    assert wire["persistence"] == valid_node()["persistence"]


def test_read_only_keys_are_accepted_and_dropped() -> None:
    raw = valid_node(
        id="ssn-12345678", createdAt="2022-01-01T00:00:00.000Z", updatedAt="2022-01-02T00:00:00.000Z"
    )

    assert node_to_wire(parse_node(raw)) == valid_node()


# --- secrets -----------------------------------------------------------------------------------


def node_with_secrets() -> dict[str, Any]:
    raw = with_path(valid_node(), f"{LAUNCH}.login.password", "S3cret-Passw0rd!")
    extension = {
        "name": "e",
        "type": "t",
        "publisher": "p",
        "apiVersion": "1.0",
        "minorVersionAutoUpgrade": True,
    }
    return with_path(
        raw,
        f"{LAUNCH}.extensions",
        [
            {**extension, "publicSettings": {"a": 1}, "protectedSettings": {"commandToExecute": "x"}},
            {**extension, "name": "f"},
            {**extension, "name": "g", "protectedSettings": {"storageAccountKey": "k"}},
        ],
    )


def test_secrets_are_left_out_of_the_default_wire_form() -> None:
    wire = node_to_wire(parse_node(node_with_secrets()))

    launch = wire["compute"]["launchSpecification"]
    assert "password" not in launch["login"]
    assert launch["login"]["userName"] == "azureuser"
    assert all("protectedSettings" not in extension for extension in launch["extensions"])
    assert launch["extensions"][0]["publicSettings"] == {"a": 1}


def test_secrets_are_returned_when_asked_for() -> None:
    raw = node_with_secrets()

    assert node_to_wire(parse_node(raw), include_secrets=True) == raw


def test_secret_paths_name_each_secret_present() -> None:
    assert secret_paths(node_with_secrets()) == [
        f"{LAUNCH}.login.password",
        f"{LAUNCH}.extensions[0].protectedSettings",
        f"{LAUNCH}.extensions[2].protectedSettings",
    ]
    assert secret_paths(valid_node()) == []


def test_redacting_leaves_the_original_untouched() -> None:
    raw = node_with_secrets()

    redacted = redact_secrets(raw)

    assert secret_paths(redacted) == []
    assert get_path(raw, f"{LAUNCH}.login.password") == "S3cret-Passw0rd!"


def test_the_python_sdk_body_loses_only_its_protected_settings_when_redacted() -> None:
    wire = node_to_wire(parse_node(PY_SDK_CREATE_BODY))

    assert wire == without_path(PY_SDK_CREATE_BODY, f"{LAUNCH}.extensions[0].protectedSettings")


# --- the other request bodies ------------------------------------------------------------------


def test_delete_body_parses_with_every_key() -> None:
    raw = {
        "shouldTerminateVm": True,
        "shouldDeregisterFromLb": True,
        "shouldRevertToOd": False,
        "networkDeallocationConfig": {"shouldDeallocate": True, "ttlInHours": 0},
        "diskDeallocationConfig": {"shouldDeallocate": True, "ttlInHours": 0},
        "snapshotDeallocationConfig": {"shouldDeallocate": True, "ttlInHours": 0},
        "publicIpDeallocationConfig": {"shouldDeallocate": True, "ttlInHours": 0},
    }

    config = parse_body(DeallocationConfig, raw, root="deallocationConfig")

    assert config.disk_deallocation_config is not None
    assert config.disk_deallocation_config.ttl_in_hours == 0
    assert body_to_wire(config) == raw


def test_delete_body_defaults_are_the_documented_ones() -> None:
    config = parse_body(
        DeallocationConfig,
        {"shouldTerminateVm": False, "diskDeallocationConfig": {"shouldDeallocate": True}},
        root="deallocationConfig",
    )

    assert config.should_deregister_from_lb is True
    assert config.should_revert_to_od is False
    assert config.disk_deallocation_config is not None
    assert config.disk_deallocation_config.ttl_in_hours == 96
    assert body_to_wire(config) == {
        "shouldTerminateVm": False,
        "diskDeallocationConfig": {"shouldDeallocate": True},
    }


def test_delete_body_problems_are_prefixed_by_the_body_root() -> None:
    raw = {"shouldTerminateVm": True, "diskDeallocationConfig": {"shouldDeallocate": True, "ttlInHours": 400}}

    with pytest.raises(SpecError) as caught:
        parse_body(DeallocationConfig, raw, root="deallocationConfig")

    [problem] = caught.value.problems
    assert (problem.code, problem.field) == (
        "INVALID_VALUE",
        "deallocationConfig.diskDeallocationConfig.ttlInHours",
    )
    assert "at most 371" in problem.message


def test_delete_body_requires_should_terminate_vm() -> None:
    with pytest.raises(SpecError) as caught:
        parse_body(DeallocationConfig, {}, root="deallocationConfig")

    assert [(p.code, p.field) for p in caught.value.problems] == [
        ("REQUIRED", "deallocationConfig.shouldTerminateVm")
    ]


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"shouldDeregisterFromLb": False}, "shouldDeregisterFromLb"),
        ({"shouldRevertToOd": True}, "shouldRevertToOd"),
    ],
)
def test_delete_options_that_need_a_kept_vm_are_refused_when_it_is_terminated(
    options: dict[str, bool], field: str
) -> None:
    with pytest.raises(SpecError) as caught:
        parse_body(DeallocationConfig, {"shouldTerminateVm": True, **options}, root="deallocationConfig")

    [problem] = caught.value.problems
    assert (problem.code, problem.field) == ("INVALID_VALUE", f"deallocationConfig.{field}")
    assert "shouldTerminateVm is false" in problem.message
    parse_body(DeallocationConfig, {"shouldTerminateVm": False, **options}, root="deallocationConfig")


def test_import_body_as_the_python_sdk_sends_it() -> None:
    raw = {
        "convertUnmanagedDisks": False,
        "drainingTimeout": 120,
        "node": {
            "name": "imported",
            "persistence": {
                "shouldPersistOsDisk": True,
                "shouldPersistDataDisks": True,
                "shouldPersistNetwork": True,
            },
            "region": "eastus",
            "resourceGroupName": "my-rg",
        },
        "originalVmName": "my-vm",
        "resourceGroupName": "my-rg",
        "resourceRetentionTime": 96,
    }

    body = parse_body(StatefulNodeImport, raw, root="statefulNodeImport")

    assert body.resources_retention_time == 96
    assert body.node is not None and body.node.name == "imported"
    assert body_to_wire(body) == raw


def test_import_body_accepts_the_go_spelling_of_the_retention_time() -> None:
    raw = {"resourceGroupName": "my-rg", "originalVmName": "my-vm", "resourcesRetentionTime": 24}

    body = parse_body(StatefulNodeImport, raw, root="statefulNodeImport")

    assert body.resources_retention_time == 24
    assert body.draining_timeout == 120
    assert body_to_wire(body) == raw


def test_import_node_problems_carry_the_full_path() -> None:
    raw = {"resourceGroupName": "rg", "originalVmName": "vm", "node": {"compute": {"os": "Solaris"}}}

    with pytest.raises(SpecError) as caught:
        parse_body(StatefulNodeImport, raw, root="statefulNodeImport")

    assert [(p.code, p.field) for p in caught.value.problems] == [
        ("INVALID_VALUE", "statefulNodeImport.node.compute.os")
    ]


def test_attach_data_disk_body_as_the_python_sdk_sends_it() -> None:
    raw = {
        "dataDiskName": "d1",
        "dataDiskResourceGroupName": "rg",
        "lun": 3,
        "sizeGB": 32,
        "storageAccountType": "Standard_LRS",
        "zone": "1",
    }

    body = parse_body(AttachDataDisk, raw)

    assert (body.data_disk_name, body.size_gb, body.lun, body.zone) == ("d1", 32, 3, "1")
    assert body_to_wire(body) == raw


def test_attach_data_disk_size_must_be_in_range() -> None:
    raw = {
        "dataDiskName": "d1",
        "dataDiskResourceGroupName": "rg",
        "sizeGB": 0,
        "storageAccountType": "Standard_LRS",
    }

    with pytest.raises(SpecError) as caught:
        parse_body(AttachDataDisk, raw)

    assert [(p.code, p.field) for p in caught.value.problems] == [("INVALID_VALUE", "sizeGB")]


def test_detach_data_disk_body_as_the_python_sdk_sends_it() -> None:
    raw = {
        "dataDiskName": "d1",
        "dataDiskResourceGroupName": "rg",
        "shouldDeallocate": True,
        "ttlInHours": 24,
    }

    body = parse_body(DetachDataDisk, raw)

    assert body.should_deallocate is True and body.ttl_in_hours == 24
    assert body_to_wire(body) == raw


def test_detach_data_disk_ttl_defaults_to_zero_as_terraform_never_sends_it() -> None:
    raw = {"dataDiskName": "d1", "dataDiskResourceGroupName": "rg", "shouldDeallocate": False}

    assert parse_body(DetachDataDisk, raw).ttl_in_hours == 0


def test_swap_os_disk_body_as_the_python_sdk_sends_it() -> None:
    raw = {"osDiskName": "os2", "osDiskResourceGroupName": "rg", "retentionTime": 24, "shouldTerminate": True}

    body = parse_body(SwapOsDisk, raw)

    assert (body.os_disk_name, body.retention_time, body.should_terminate) == ("os2", 24, True)
    assert (
        parse_body(SwapOsDisk, {"osDiskName": "os2", "osDiskResourceGroupName": "rg"}).should_terminate
        is True
    )


@pytest.mark.parametrize("state", ["pause", "resume", "recycle"])
def test_state_change_body_accepts_each_action(state: str) -> None:
    assert parse_body(StateChange, {"state": state}).state == state


def test_state_change_body_refuses_an_unknown_action() -> None:
    with pytest.raises(SpecError) as caught:
        parse_body(StateChange, {"state": "stop"})

    [problem] = caught.value.problems
    assert (problem.code, problem.field) == ("INVALID_VALUE", "state")
    assert "pause, resume, recycle" in problem.message


def test_python_sdk_update_body_parses_as_a_partial_node() -> None:
    node = parse_node({"description": "new", "strategy": {"revertToSpot": {"performAt": "always"}}})

    assert isinstance(node, StatefulNode)
    assert node_to_wire(node) == {"description": "new", "strategy": {"revertToSpot": {"performAt": "always"}}}
