"""Terraform export/import of stateful nodes (spot-api.md §7.2 mapping, §10 body)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import hcl2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spotkeeper.spec.problems import SpecError
from spotkeeper.spec.terraform import (
    RESOURCE_FIELDS,
    UNSUPPORTED_BY_PROVIDER,
    Argument,
    Block,
    hcl_actions,
    hcl_to_node,
    node_to_hcl,
    read_terraform,
    unsupported_fields,
)

# §7.2's condensed example, one argument per line.
CONDENSED_EXAMPLE = """
resource "spotinst_stateful_node_azure" "example" {
  name                = "example_stateful_node_azure"
  region              = "eastus"
  resource_group_name = "spotinst-azure"
  strategy {
    fallback_to_on_demand = true
    draining_timeout      = 30
    revert_to_spot {
      perform_at = "timeWindow"
    }
    optimization_windows  = ["Tue:19:46-Tue:20:46"]
    preferred_life_cycle  = "od"
  }
  os = "Linux"
  vm_sizes {
    od_sizes             = ["standard_ds1_v2", "standard_ds2_v2"]
    spot_sizes           = ["standard_ds1_v2", "standard_ds2_v2"]
    preferred_spot_sizes = ["standard_ds1_v2"]
  }
  zones          = ["1", "3"]
  preferred_zone = "1"
  image {
    marketplace_image {
      publisher = "Canonical"
      offer     = "UbuntuServer"
      sku       = "16.04-LTS"
      version   = "latest"
    }
  }
  login {
    user_name      = "admin"
    ssh_public_key = "33a2s1f3g5a1df5g1ad3f2g1adfg56dfg=="
  }
  network {
    network_resource_group_name = "subnetResourceGroup"
    virtual_network_name        = "vname"
    network_interface {
      is_primary       = true
      subnet_name      = "testSubnet"
      assign_public_ip = true
      public_ip_sku    = "Standard"
    }
  }
  os_disk {
    size_gb = 30
    type    = "Standard_LRS"
    caching = "ReadOnly"
  }
  data_disk {
    size_gb = 10
    lun     = 2
    type    = "Standard_LRS"
  }
  health {
    health_check_types = ["vmState"]
    unhealthy_duration = 300
    grace_period       = 120
    auto_healing       = true
  }
  should_persist_os_disk      = false
  os_disk_persistence_mode    = "reattach"
  should_persist_data_disks   = true
  data_disks_persistence_mode = "reattach"
  should_persist_network      = true
  scheduling_task {
    is_enabled      = true
    type            = "pause"
    cron_expression = "44 10 * * *"
  }
  scheduling_task {
    is_enabled      = true
    type            = "resume"
    cron_expression = "48 10 * * *"
  }
  signal {
    type    = "vmReady"
    timeout = 20
  }
  delete {
    should_terminate_vm         = true
    network_should_deallocate   = true
    network_ttl_in_hours        = 0
    disk_should_deallocate      = true
    disk_ttl_in_hours           = 0
    snapshot_should_deallocate  = true
    snapshot_ttl_in_hours       = 0
    public_ip_should_deallocate = true
    public_ip_ttl_in_hours      = 0
  }
}
"""

CONDENSED_NODE: dict[str, Any] = {
    "name": "example_stateful_node_azure",
    "region": "eastus",
    "resourceGroupName": "spotinst-azure",
    "strategy": {
        "fallbackToOd": True,
        "drainingTimeout": 30,
        "revertToSpot": {"performAt": "timeWindow"},
        "optimizationWindows": ["Tue:19:46-Tue:20:46"],
        "preferredLifecycle": "od",
        "signals": [{"type": "vmReady", "timeout": 20}],
    },
    "compute": {
        "os": "Linux",
        "vmSizes": {
            "odSizes": ["standard_ds1_v2", "standard_ds2_v2"],
            "spotSizes": ["standard_ds1_v2", "standard_ds2_v2"],
            "preferredSpotSizes": ["standard_ds1_v2"],
        },
        "zones": ["1", "3"],
        "preferredZone": "1",
        "launchSpecification": {
            "image": {
                "marketplace": {
                    "publisher": "Canonical",
                    "offer": "UbuntuServer",
                    "sku": "16.04-LTS",
                    "version": "latest",
                }
            },
            "login": {"userName": "admin", "sshPublicKey": "33a2s1f3g5a1df5g1ad3f2g1adfg56dfg=="},
            "network": {
                "resourceGroupName": "subnetResourceGroup",
                "virtualNetworkName": "vname",
                "networkInterfaces": [
                    {
                        "isPrimary": True,
                        "subnetName": "testSubnet",
                        "assignPublicIp": True,
                        "publicIpSku": "Standard",
                    }
                ],
            },
            "osDisk": {"sizeGB": 30, "type": "Standard_LRS", "caching": "ReadOnly"},
            "dataDisks": [{"sizeGB": 10, "lun": 2, "type": "Standard_LRS"}],
        },
    },
    "health": {
        "healthCheckTypes": ["vmState"],
        "unhealthyDuration": 300,
        "gracePeriod": 120,
        "autoHealing": True,
    },
    "persistence": {
        "shouldPersistOsDisk": False,
        "osDiskPersistenceMode": "reattach",
        "shouldPersistDataDisks": True,
        "dataDisksPersistenceMode": "reattach",
        "shouldPersistNetwork": True,
    },
    "scheduling": {
        "tasks": [
            {"isEnabled": True, "type": "pause", "cronExpression": "44 10 * * *"},
            {"isEnabled": True, "type": "resume", "cronExpression": "48 10 * * *"},
        ]
    },
}

# §10: the complete create body as spotinst-sdk2 sends it.
FULL_CREATE_BODY: dict[str, Any] = {
    "compute": {
        "launchSpecification": {
            "bootDiagnostics": {
                "isEnabled": True,
                "storageUri": "https://example.blob.core.windows.net/",
                "type": "unmanaged",
            },
            "customData": "I2Nsb3VkLWNvbmZpZwo=",
            "dataDisks": [{"caching": "ReadOnly", "lun": 0, "sizeGB": 128, "type": "Premium_LRS"}],
            "extensions": [
                {
                    "apiVersion": "2.0",
                    "minorVersionAutoUpgrade": True,
                    "name": "customScript",
                    "protectedSettings": {"commandToExecute": "bash y.sh"},
                    "publicSettings": {"fileUris": ["https://x/y.sh"]},
                    "publisher": "Microsoft.Azure.Extensions",
                    "type": "customScript",
                }
            ],
            "image": {
                "marketplace": {
                    "offer": "0001-com-ubuntu-server-jammy",
                    "publisher": "Canonical",
                    "sku": "22_04-lts-gen2",
                    "version": "latest",
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
                        "type": "loadBalancer",
                    }
                ]
            },
            "login": {"sshPublicKey": "ssh-rsa AAAA...", "userName": "azureuser"},
            "managedServiceIdentities": [{"name": "mi1", "resourceGroupName": "rg"}],
            "network": {
                "networkInterfaces": [
                    {
                        "additionalIpConfigurations": [
                            {"name": "ipconfig2", "privateIpAddressVersion": "IPv4"}
                        ],
                        "applicationSecurityGroups": [{"name": "asg1", "resourceGroupName": "rg"}],
                        "assignPublicIp": True,
                        "enableIpForwarding": False,
                        "isPrimary": True,
                        "networkSecurityGroup": {"name": "nsg1", "resourceGroupName": "rg"},
                        "privateIpAddresses": ["10.0.0.10"],
                        "publicIpSku": "Standard",
                        "publicIps": [{"name": "pip1", "resourceGroupName": "rg"}],
                        "subnetName": "default",
                    }
                ],
                "resourceGroupName": "net-rg",
                "virtualNetworkName": "vnet1",
            },
            "osDisk": {"caching": "ReadWrite", "sizeGB": 64, "type": "Premium_LRS"},
            "proximityPlacementGroups": [{"name": "ppg1", "resourceGroupName": "rg"}],
            "secrets": [
                {
                    "sourceVault": {"name": "kv1", "resourceGroupName": "rg"},
                    "vaultCertificates": [
                        {
                            "certificateStore": None,
                            "certificateUrl": "https://kv1.vault.azure.net/secrets/cert/1",
                        }
                    ],
                }
            ],
            "security": {"secureBootEnabled": True, "securityType": "TrustedLaunch", "vTpmEnabled": True},
            "shutdownScript": "IyEvYmluL2Jhc2g=",
            "tags": [{"tagKey": "env", "tagValue": "dev"}],
            "userData": "IyEvYmluL2Jhc2g=",
            "vmName": "example-vm",
        },
        "os": "Linux",
        "preferredZone": "1",
        "vmSizes": {
            "odSizes": ["standard_ds2_v2"],
            "preferredSpotSizes": ["standard_d2s_v3"],
            "spotSizes": ["standard_ds2_v2", "standard_d2s_v3"],
        },
        "zones": ["1", "2"],
    },
    "description": "example",
    "health": {
        "autoHealing": True,
        "gracePeriod": 120,
        "healthCheckTypes": ["vmState"],
        "unhealthyDuration": 360,
    },
    "name": "example-ssn",
    "persistence": {
        "dataDisksPersistenceMode": "reattach",
        "osDiskPersistenceMode": "reattach",
        "shouldPersistDataDisks": True,
        "shouldPersistNetwork": True,
        "shouldPersistOsDisk": True,
    },
    "region": "eastus",
    "resourceGroupName": "spotinst-azure",
    "scheduling": {
        "tasks": [
            {"cronExpression": "0 20 * * 1-5", "isEnabled": True, "type": "pause"},
            {"cronExpression": "0 7 * * 1-5", "isEnabled": True, "type": "resume"},
        ]
    },
    "strategy": {
        "availabilityVsCost": 100,
        "capacityReservation": {
            "capacityReservationGroups": [
                {"name": "crg1", "resourceGroupName": "rg", "shouldPrioritize": True}
            ],
            "shouldUtilize": True,
            "utilizationStrategy": "utilizeOverOD",
        },
        "drainingTimeout": 120,
        "fallbackToOd": True,
        "odWindows": ["Wed:19:46-Wed:21:46"],
        "optimizationWindows": ["Tue:19:46-Tue:20:46"],
        "preferredLifecycle": "spot",
        "revertToSpot": {"performAt": "timeWindow"},
        "signals": [{"timeout": 1800, "type": "vmReady"}, {"timeout": 120, "type": "vmReadyToShutdown"}],
    },
}

MINIMAL_RESOURCE = """
resource "spotinst_stateful_node_azure" "n" {
  name                      = "n"
  region                    = "eastus"
  resource_group_name       = "rg"
  os                        = "Linux"
  should_persist_os_disk    = true
  should_persist_data_disks = true
  should_persist_network    = true
  strategy {
    fallback_to_on_demand = true
  }
%s
}
"""


def resource_with(extra: str) -> str:
    return MINIMAL_RESOURCE % extra


def problems_of(text: str) -> list[tuple[str, str]]:
    with pytest.raises(SpecError) as caught:
        read_terraform(text)
    return [(problem.code, problem.field) for problem in caught.value.problems]


# --- the documented examples ---------------------------------------------------------------


def test_condensed_provider_example_imports_to_the_wire_node() -> None:
    assert hcl_to_node(CONDENSED_EXAMPLE) == CONDENSED_NODE


def test_condensed_example_delete_block_becomes_a_deallocation_config() -> None:
    assert hcl_actions(CONDENSED_EXAMPLE) == {
        "delete": {
            "shouldTerminateVm": True,
            "networkDeallocationConfig": {"shouldDeallocate": True, "ttlInHours": 0},
            "diskDeallocationConfig": {"shouldDeallocate": True, "ttlInHours": 0},
            "snapshotDeallocationConfig": {"shouldDeallocate": True, "ttlInHours": 0},
            "publicIpDeallocationConfig": {"shouldDeallocate": True, "ttlInHours": 0},
            "shouldDeregisterFromLb": True,
            "shouldRevertToOd": False,
        }
    }


def test_full_create_body_exports_to_parsable_hcl_and_back_minus_unsupported_fields() -> None:
    text = node_to_hcl(FULL_CREATE_BODY)

    parsed = hcl2.loads(text)
    assert list(parsed["resource"][0]) == ['"spotinst_stateful_node_azure"']
    expected = copy.deepcopy(FULL_CREATE_BODY)
    del expected["compute"]["launchSpecification"]["dataDisks"][0]["caching"]
    boot = expected["compute"]["launchSpecification"]["bootDiagnostics"]
    boot["storageUrl"] = boot.pop("storageUri")  # the provider's spelling (§3.3.1)
    assert hcl_to_node(text) == expected
    assert unsupported_fields(FULL_CREATE_BODY) == ["compute.launchSpecification.dataDisks[0].caching"]


def test_full_create_body_exports_with_provider_argument_names() -> None:
    text = node_to_hcl(FULL_CREATE_BODY)

    assert 'resource "spotinst_stateful_node_azure" "example_ssn" {' in text
    assert "    fallback_to_on_demand = true\n" in text
    assert '        crg_name                = "crg1"\n' in text
    assert '    sku                 = "Standard"\n' in text
    assert "    vtpm_enabled        = true\n" in text
    assert '    storage_url = "https://example.blob.core.windows.net/"\n' in text
    assert '        network_resource_group_name = "rg"\n' in text
    assert '      "fileUris" = ["https://x/y.sh"]\n' in text
    assert "      certificate_store = null\n" in text
    assert 'caching = "ReadOnly"' not in text  # the data disk's caching is not a provider argument


def test_export_is_deterministic_whatever_the_key_order() -> None:
    reordered = dict(reversed(list(FULL_CREATE_BODY.items())))

    assert node_to_hcl(reordered) == node_to_hcl(FULL_CREATE_BODY)


# --- strings -------------------------------------------------------------------------------


def test_awkward_strings_are_escaped_and_never_interpolated() -> None:
    node = copy.deepcopy(CONDENSED_NODE)
    node["description"] = 'say "hi" \\ ${var.x} %{ if a } $${ok} tab\there\nnext ${open é 🚀 \x00\u2028'
    text = node_to_hcl(node)

    assert '"say \\"hi\\" \\\\ $${var.x} %%{ if a } $$${ok} tab\\there\\nnext ' in text
    assert hcl_to_node(text)["description"] == node["description"]


def test_heredoc_values_import_with_terraform_semantics() -> None:
    text = resource_with('  custom_data = <<-EOT\n    #!/bin/bash\n      echo "$${HOME}"\n    EOT\n')

    assert (
        hcl_to_node(text)["compute"]["launchSpecification"]["customData"] == '#!/bin/bash\n  echo "${HOME}"\n'
    )


def test_terraform_expressions_are_refused_with_their_path() -> None:
    text = resource_with('  description = "node ${var.env}"\n  vm_name = var.vm_name\n')

    assert problems_of(text) == [
        ("UNSUPPORTED_EXPRESSION", "description"),
        ("UNSUPPORTED_EXPRESSION", "vm_name"),
    ]


def test_values_get_terraforms_automatic_conversions() -> None:
    text = resource_with('  zones = [1, 3]\n  signal {\n    type = "vmReady"\n    timeout = "20"\n  }\n')

    node = hcl_to_node(text)
    assert node["compute"]["zones"] == ["1", "3"]
    assert node["strategy"]["signals"] == [{"type": "vmReady", "timeout": 20}]


# --- errors --------------------------------------------------------------------------------


def test_unknown_argument_is_reported_with_its_hcl_path_and_line() -> None:
    text = resource_with(
        '  network {\n    virtual_network_name = "v"\n'
        '    network_interface {\n      subnet_nmae = "x"\n    }\n  }\n'
    )

    with pytest.raises(SpecError) as caught:
        hcl_to_node(text)
    [problem] = caught.value.problems
    assert (problem.code, problem.field) == ("UNKNOWN_FIELD", "network.network_interface[0].subnet_nmae")
    assert "(line 16)" in problem.message
    assert "did you mean `subnet_name`?" in problem.message


def test_unparsable_text_is_a_syntax_error_with_its_line() -> None:
    with pytest.raises(SpecError) as caught:
        hcl_to_node('resource "spotinst_stateful_node_azure" "n" {\n  name = "x"\n  region = @\n}\n')
    [problem] = caught.value.problems
    assert problem.code == "HCL_SYNTAX"
    assert "line 3" in problem.message


def test_text_without_the_resource_is_refused() -> None:
    assert problems_of('resource "azurerm_resource_group" "rg" {\n  name = "x"\n}\n') == [("NO_RESOURCE", "")]


def test_two_resources_are_refused_unless_one_is_named() -> None:
    text = resource_with("") + resource_with("").replace('"n" {', '"m" {')

    assert problems_of(text) == [("MULTIPLE_RESOURCES", "")]
    assert read_terraform(text, resource_name="m").label == "m"


def test_wrong_types_repeats_and_missing_required_arguments_are_all_reported() -> None:
    text = resource_with(
        '  description = "a"\n  description = "b"\n'
        '  login {\n    ssh_public_key = "k"\n  }\n'
        '  os_disk {\n    type = "Standard_LRS"\n  }\n  os_disk {\n    type = "Premium_LRS"\n  }\n'
    ).replace("fallback_to_on_demand = true", 'fallback_to_on_demand = true\n    draining_timeout = "soon"')

    assert sorted(problems_of(text)) == [
        ("DUPLICATE_ARGUMENT", "description"),
        ("DUPLICATE_BLOCK", "os_disk"),
        ("INVALID_TYPE", "strategy.draining_timeout"),
        ("REQUIRED", "login.user_name"),
    ]


def test_block_written_as_an_argument_is_refused() -> None:
    text = resource_with('  os_disk = { type = "Standard_LRS" }\n')

    assert problems_of(text) == [("INVALID_TYPE", "os_disk")]


def test_terraform_meta_arguments_are_passed_over_but_count_is_refused() -> None:
    ignored = resource_with("  lifecycle {\n    ignore_changes = [description]\n  }\n")
    refused = resource_with("  count = 2\n")

    assert hcl_to_node(ignored)["name"] == "n"
    assert problems_of(refused) == [("UNSUPPORTED_META_ARGUMENT", "count")]


def test_export_refuses_values_the_provider_cannot_take_naming_the_wire_path() -> None:
    node = copy.deepcopy(CONDENSED_NODE)
    node["compute"]["zones"] = "1"
    node["strategy"]["signals"][0]["timeout"] = True
    node["health"] = ["vmState"]

    with pytest.raises(SpecError) as caught:
        node_to_hcl(node)
    assert [(p.code, p.field) for p in caught.value.problems] == [
        ("INVALID_TYPE", "compute.zones"),
        ("INVALID_TYPE", "strategy.signals[0].timeout"),
        ("INVALID_TYPE", "health"),
    ]


# --- actions, delete block, labels ---------------------------------------------------------


def test_action_blocks_are_returned_as_call_bodies_and_kept_out_of_the_node() -> None:
    text = resource_with(
        '  update_state {\n    state = "pause"\n  }\n'
        '  attach_data_disk {\n    data_disk_name = "d1"\n    data_disk_resource_group_name = "rg"\n'
        '    storage_account_type = "Standard_LRS"\n    size_gb = 32\n    lun = 3\n    zone = "1"\n  }\n'
        '  detach_data_disk {\n    data_disk_name = "d2"\n    data_disk_resource_group_name = "rg"\n'
        "    should_deallocate = true\n    ttl_in_hours = 24\n  }\n"
        '  import_vm {\n    resource_group_name = "rg"\n    original_vm_name = "vm1"\n'
        "    draining_timeout = 120\n    resources_retention_time = 96\n  }\n"
        "  delete {\n    should_terminate_vm = true\n    disk_should_deallocate = true\n  }\n"
    )

    resource = read_terraform(text)
    assert resource.actions == {
        "update_state": {"state": "pause"},
        "attach_data_disk": {
            "dataDiskName": "d1",
            "dataDiskResourceGroupName": "rg",
            "storageAccountType": "Standard_LRS",
            "sizeGB": 32,
            "lun": 3,
            "zone": "1",
        },
        "detach_data_disk": {
            "dataDiskName": "d2",
            "dataDiskResourceGroupName": "rg",
            "shouldDeallocate": True,
            "ttlInHours": 24,
        },
        "import_vm": {
            "resourceGroupName": "rg",
            "originalVmName": "vm1",
            "drainingTimeout": 120,
            "resourcesRetentionTime": 96,
        },
        "delete": {  # what the provider sends for the arguments left out
            "shouldTerminateVm": True,
            "diskDeallocationConfig": {"shouldDeallocate": True, "ttlInHours": 0},
            "networkDeallocationConfig": {"shouldDeallocate": False, "ttlInHours": 0},
            "snapshotDeallocationConfig": {"shouldDeallocate": False, "ttlInHours": 0},
            "publicIpDeallocationConfig": {"shouldDeallocate": False, "ttlInHours": 0},
            "shouldDeregisterFromLb": True,
            "shouldRevertToOd": False,
        },
    }
    assert set(resource.node) == {"name", "region", "resourceGroupName", "compute", "persistence", "strategy"}


def test_export_writes_spotkeepers_default_delete_block_without_a_deallocation_config() -> None:
    assert hcl_actions(node_to_hcl(CONDENSED_NODE))["delete"] == {
        "shouldTerminateVm": True,
        "networkDeallocationConfig": {"shouldDeallocate": True, "ttlInHours": 96},
        "diskDeallocationConfig": {"shouldDeallocate": True, "ttlInHours": 96},
        "snapshotDeallocationConfig": {"shouldDeallocate": True, "ttlInHours": 96},
        "publicIpDeallocationConfig": {"shouldDeallocate": True, "ttlInHours": 96},
        "shouldDeregisterFromLb": True,
        "shouldRevertToOd": False,
    }


def test_export_completes_a_partial_deallocation_config_with_the_api_defaults() -> None:
    given_config = {"shouldTerminateVm": False, "snapshotDeallocationConfig": {"shouldDeallocate": True}}

    assert hcl_actions(node_to_hcl(CONDENSED_NODE, deallocation=given_config))["delete"] == {
        "shouldTerminateVm": False,
        "networkDeallocationConfig": {"shouldDeallocate": False, "ttlInHours": 96},
        "diskDeallocationConfig": {"shouldDeallocate": False, "ttlInHours": 96},
        "snapshotDeallocationConfig": {"shouldDeallocate": True, "ttlInHours": 96},
        "publicIpDeallocationConfig": {"shouldDeallocate": False, "ttlInHours": 96},
        "shouldDeregisterFromLb": True,
        "shouldRevertToOd": False,
    }


def test_export_refuses_a_deallocation_config_with_unknown_or_malformed_settings() -> None:
    with pytest.raises(SpecError) as caught:
        node_to_hcl(
            CONDENSED_NODE,
            deallocation={"diskDeallocationConfig": {"keep": True}, "networkDeallocationConfig": True},
        )
    assert sorted((p.code, p.field) for p in caught.value.problems) == [
        ("INVALID_TYPE", "deallocationConfig.networkDeallocationConfig"),
        ("REQUIRED", "deallocationConfig.shouldTerminateVm"),
        ("UNKNOWN_FIELD", "deallocationConfig.diskDeallocationConfig.keep"),
    ]


def test_resource_label_is_a_slug_of_the_node_name_unless_given() -> None:
    node = {**CONDENSED_NODE, "name": "Résumé de prod #1"}

    assert node_to_hcl(node).startswith('resource "spotinst_stateful_node_azure" "resume_de_prod_1" {')
    assert read_terraform(node_to_hcl(node, resource_name="db")).label == "db"
    with pytest.raises(SpecError):
        node_to_hcl(node, resource_name="1 bad")


# --- unsupported fields --------------------------------------------------------------------


def test_unsupported_fields_names_provider_gaps_and_unknown_keys_but_not_read_only_ones() -> None:
    node = copy.deepcopy(FULL_CREATE_BODY)
    node.update({"id": "ssn-12345678", "createdAt": "2022-01-01T00:00:00.000Z", "integrations": {}})
    node["strategy"]["shouldUtilizeCommitments"] = True
    node["compute"]["launchSpecification"]["extensions"][0]["enableAutomaticUpgrade"] = True
    node["compute"]["launchSpecification"]["bootDiagnostics"]["storageUrl"] = "https://other/"
    node["compute"]["launchSpecification"]["mystery"] = 1

    assert sorted(unsupported_fields(node)) == [
        "compute.launchSpecification.bootDiagnostics.storageUri",
        "compute.launchSpecification.dataDisks[0].caching",
        "compute.launchSpecification.extensions[0].enableAutomaticUpgrade",
        "compute.launchSpecification.mystery",
        "integrations",
        "strategy.shouldUtilizeCommitments",
    ]
    assert "mystery" not in node_to_hcl(node)
    assert "compute.launchSpecification.purchasePlan" in UNSUPPORTED_BY_PROVIDER


# --- the lossless round trip, for every provider-supported field ---------------------------

TRICKY = [
    '"',
    "\\",
    "${x}",
    "${",
    "%{ if a }",
    "%{",
    "$${",
    "}",
    "\n",
    "\r\t",
    "é",
    "🚀",
    "\x00",
    "\u2028",
    "\\u0024{",
]
awkward_text = st.one_of(
    st.text(max_size=8),
    st.lists(st.one_of(st.sampled_from(TRICKY), st.text(max_size=3)), max_size=5).map("".join),
)
json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(10**20), max_value=10**20),
        st.floats(allow_nan=False, allow_infinity=False),
        awkward_text,
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(awkward_text, children, max_size=3)
    ),
    max_leaves=6,
)
KIND_VALUES: Mapping[str, st.SearchStrategy[Any]] = {
    "string": awkward_text,
    "integer": st.integers(min_value=-(10**12), max_value=10**12),
    "boolean": st.booleans(),
    "strings": st.lists(awkward_text, max_size=3),
    "object": st.dictionaries(awkward_text, json_values, max_size=3),
}


def put(target: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    for key in parents:
        target = target.setdefault(key, {})
    if isinstance(target.get(last), dict) and isinstance(value, dict):
        target[last].update(value)
    else:
        target[last] = value


def assemble(entries: tuple[list[tuple[str, Any]], ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pairs in entries:
        for dotted, value in pairs:
            put(out, dotted, value)
    return out


def body_values(fields: tuple[Argument | Block, ...]) -> st.SearchStrategy[dict[str, Any]]:
    """Wire objects for a block body, built from the provider table itself."""
    parts = []
    for field in fields:
        values: st.SearchStrategy[Any]
        if isinstance(field, Argument):
            values = KIND_VALUES[field.kind]
            if not field.required:
                values = st.one_of(st.none(), values)
        elif field.repeated:
            values = st.lists(body_values(field.fields), min_size=1, max_size=2)
        else:
            values = body_values(field.fields)
        entry = values.map(lambda value, wire=field.wire: [(wire, value)])
        parts.append(entry if field.required else st.one_of(st.just([]), entry))
    return st.tuples(*parts).map(assemble)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(node=body_values(RESOURCE_FIELDS))
def test_every_provider_supported_node_survives_export_and_import_unchanged(node: dict[str, Any]) -> None:
    assert unsupported_fields(node) == []
    assert hcl_to_node(node_to_hcl(node)) == node
