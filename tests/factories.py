"""Node wire dicts for tests, and helpers to bend one field at a time.

`valid_node()` is a complete Linux node that every create rule accepts against the shipped
catalog (eastus, D-series v5 sizes, Ubuntu 22.04 Gen2, Trusted Launch); tests start from it and
change the one thing they are about with `with_path` / `without_path`, so each test states its
subject and nothing else. Every call returns a fresh deep copy: tests may mutate freely.
"""

from __future__ import annotations

import copy
import itertools
import re
from typing import Any

SSH_PUBLIC_KEY = (
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEjF3vNTHBc0sr/+SCDJCpOFK43sALOmZd1QtC/6Bjsr azureuser@spotkeeper"
)
WINDOWS_PASSWORD = "Sk-Test-Passw0rd!2024"
CUSTOM_DATA = "I2Nsb3VkLWNvbmZpZwpwYWNrYWdlczogW2pxXQo="  # "#cloud-config\npackages: [jq]\n"
SHUTDOWN_SCRIPT = "IyEvYmluL2Jhc2gKc3luYwo="  # "#!/bin/bash\nsync\n"

_VALID_NODE: dict[str, Any] = {
    "name": "sk-test-node",
    "description": "a stateful node used by the tests",
    "region": "eastus",
    "resourceGroupName": "sk-sandbox",
    "strategy": {
        "fallbackToOd": True,
        "preferredLifecycle": "spot",
        "drainingTimeout": 120,
        "revertToSpot": {"performAt": "always"},
    },
    "compute": {
        "os": "Linux",
        "zones": ["1", "2"],
        "preferredZone": "1",
        "vmSizes": {
            "spotSizes": ["standard_d2s_v5", "standard_d4s_v5"],
            "preferredSpotSizes": ["standard_d2s_v5"],
            "odSizes": ["standard_d4s_v5"],
        },
        "launchSpecification": {
            "image": {
                "marketplace": {
                    "publisher": "Canonical",
                    "offer": "0001-com-ubuntu-server-jammy",
                    "sku": "22_04-lts-gen2",
                    "version": "latest",
                }
            },
            "security": {"securityType": "TrustedLaunch", "secureBootEnabled": True, "vTpmEnabled": True},
            "login": {"userName": "azureuser", "sshPublicKey": SSH_PUBLIC_KEY},
            "customData": CUSTOM_DATA,
            "shutdownScript": SHUTDOWN_SCRIPT,
            "network": {
                "resourceGroupName": "sk-sandbox",
                "virtualNetworkName": "sk-vnet",
                "networkInterfaces": [
                    {
                        "isPrimary": True,
                        "subnetName": "default",
                        "assignPublicIp": True,
                        "publicIpSku": "Standard",
                    }
                ],
            },
            "osDisk": {"type": "Premium_LRS", "sizeGB": 64},
            "dataDisks": [{"lun": 0, "sizeGB": 128, "type": "Premium_LRS"}],
            "tags": [{"tagKey": "env", "tagValue": "test"}, {"tagKey": "owner", "tagValue": "spotkeeper"}],
        },
    },
    "persistence": {
        "shouldPersistOsDisk": True,
        "osDiskPersistenceMode": "reattach",
        "shouldPersistDataDisks": True,
        "dataDisksPersistenceMode": "reattach",
        "shouldPersistNetwork": True,
    },
    "health": {
        "healthCheckTypes": ["vmState"],
        "autoHealing": True,
        "gracePeriod": 300,
        "unhealthyDuration": 360,
    },
    "scheduling": {
        "tasks": [
            {"isEnabled": True, "type": "pause", "cronExpression": "0 20 * * 1-5"},
            {"isEnabled": True, "type": "resume", "cronExpression": "0 7 * * 1-5"},
        ]
    },
}

_MINIMAL_NODE: dict[str, Any] = {
    "name": "sk-minimal-node",
    "region": "eastus",
    "resourceGroupName": "sk-sandbox",
    "strategy": {"fallbackToOd": True},
    "compute": {
        "os": "Linux",
        "vmSizes": {"spotSizes": ["standard_d2s_v5"], "odSizes": ["standard_d2s_v5"]},
        "launchSpecification": {
            "image": {
                "marketplace": {
                    "publisher": "Canonical",
                    "offer": "0001-com-ubuntu-server-jammy",
                    "sku": "22_04-lts-gen2",
                    "version": "latest",
                }
            },
            "login": {"userName": "azureuser", "sshPublicKey": SSH_PUBLIC_KEY},
            "network": {
                "resourceGroupName": "sk-sandbox",
                "virtualNetworkName": "sk-vnet",
                "networkInterfaces": [{"isPrimary": True, "subnetName": "default"}],
            },
        },
    },
    "persistence": {
        "shouldPersistOsDisk": False,
        "shouldPersistDataDisks": False,
        "shouldPersistNetwork": False,
    },
}


def valid_node(**overrides: Any) -> dict[str, Any]:
    """A complete, valid Linux node; keyword arguments replace top-level keys wholesale."""
    node = copy.deepcopy(_VALID_NODE)
    node.update(copy.deepcopy(overrides))
    return node


def minimal_node(**overrides: Any) -> dict[str, Any]:
    """Only what a create needs (no zones, disks, health, schedule); overrides as `valid_node`."""
    node = copy.deepcopy(_MINIMAL_NODE)
    node.update(copy.deepcopy(overrides))
    return node


def windows_node(**overrides: Any) -> dict[str, Any]:
    """A valid Windows Server 2022 node logging in with a password; overrides as `valid_node`."""
    node = valid_node(name="sk-windows-node")
    node["compute"]["os"] = "Windows"
    launch = node["compute"]["launchSpecification"]
    launch["image"] = {
        "marketplace": {
            "publisher": "MicrosoftWindowsServer",
            "offer": "WindowsServer",
            "sku": "2022-datacenter-azure-edition",
            "version": "latest",
        }
    }
    launch["login"] = {"userName": "skadmin", "password": WINDOWS_PASSWORD}
    launch["licenseType"] = "Windows_Server"
    launch["osDisk"] = {"type": "Premium_LRS", "sizeGB": 127}
    del launch["customData"]
    del launch["shutdownScript"]
    node.update(copy.deepcopy(overrides))
    return node


_STEP = re.compile(r"([^.\[\]]+)((?:\[\d+\])*)")


def _steps(path: str) -> list[str | int]:
    """`"a.b[0].c"` -> `["a", "b", 0, "c"]`."""
    steps: list[str | int] = []
    for part in path.split("."):
        match = _STEP.fullmatch(part)
        if match is None:
            raise ValueError(f"bad path segment {part!r} in {path!r}")
        steps.append(match.group(1))
        steps.extend(int(index) for index in re.findall(r"\[(\d+)\]", match.group(2)))
    return steps


def with_path(d: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of `d` with the dotted `path` (indices as `[i]`) set to `value`.

    Missing objects along the way are created; an index may be one past the end to append.
    """
    result = copy.deepcopy(d)
    steps = _steps(path)
    current: Any = result
    for step, following in itertools.pairwise(steps):
        if isinstance(step, int):
            if step == len(current):
                current.append([] if isinstance(following, int) else {})
            current = current[step]
        else:
            if step not in current or current[step] is None:
                current[step] = [] if isinstance(following, int) else {}
            current = current[step]
    last = steps[-1]
    if isinstance(last, int) and last == len(current):
        current.append(copy.deepcopy(value))
    else:
        current[last] = copy.deepcopy(value)
    return result


def without_path(d: dict[str, Any], path: str) -> dict[str, Any]:
    """A deep copy of `d` with the key (or list item) at `path` removed; KeyError if absent."""
    result = copy.deepcopy(d)
    steps = _steps(path)
    current: Any = result
    for step in steps[:-1]:
        current = current[step]
    del current[steps[-1]]
    return result


def get_path(d: dict[str, Any], path: str) -> Any:
    """The value at the dotted `path` (KeyError/IndexError if absent)."""
    current: Any = d
    for step in _steps(path):
        current = current[step]
    return current
