"""VM options: boot diagnostics storage, licence type per OS, Key Vault certificates per OS, and
managed identities."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import valid_node, windows_node, with_path
from tests.unit.rules_support import assert_no_problem, assert_problem

LAUNCH = "compute.launchSpecification"
BOOT = f"{LAUNCH}.bootDiagnostics"
STORAGE = "https://example.blob.core.windows.net/"


def certificates(
    store: str | None, url: str = "https://kv1.vault.azure.net/secrets/cert/1"
) -> list[dict[str, Any]]:
    return [
        {
            "sourceVault": {"name": "kv1", "resourceGroupName": "rg"},
            "vaultCertificates": [{"certificateUrl": url, "certificateStore": store}],
        }
    ]


@pytest.mark.parametrize("key", ["storageUri", "storageUrl"])
def test_unmanaged_boot_diagnostics_need_a_storage_uri(key: str) -> None:
    raw = with_path(valid_node(), BOOT, {"isEnabled": True, "type": "unmanaged"})
    assert_problem(raw, "BOOT_DIAGNOSTICS_STORAGE_REQUIRED", f"{BOOT}.storageUri")
    raw = with_path(valid_node(), BOOT, {"isEnabled": True, "type": "unmanaged", key: "http://example/"})
    assert_problem(raw, "BOOT_DIAGNOSTICS_STORAGE_INVALID", f"{BOOT}.{key}")


@pytest.mark.parametrize("key", ["storageUri", "storageUrl"])
def test_unmanaged_boot_diagnostics_with_an_https_uri_pass(key: str) -> None:
    raw = with_path(valid_node(), BOOT, {"isEnabled": True, "type": "unmanaged", key: STORAGE})
    assert_no_problem(raw, "BOOT_DIAGNOSTICS_STORAGE_INVALID")


@pytest.mark.parametrize("key", ["storageUri", "storageUrl"])
def test_managed_boot_diagnostics_take_no_storage_uri(key: str) -> None:
    raw = with_path(valid_node(), BOOT, {"isEnabled": True, "type": "managed", key: STORAGE})
    assert_problem(raw, "BOOT_DIAGNOSTICS_STORAGE_NOT_ALLOWED", f"{BOOT}.{key}")


def test_managed_boot_diagnostics_without_a_uri_pass() -> None:
    raw = with_path(valid_node(), BOOT, {"isEnabled": True, "type": "managed", "storageUri": None})
    assert_no_problem(raw, "BOOT_DIAGNOSTICS_STORAGE_NOT_ALLOWED")


def test_disabled_boot_diagnostics_are_not_checked() -> None:
    raw = with_path(valid_node(), BOOT, {"isEnabled": False, "type": "unmanaged"})
    assert_no_problem(raw, "BOOT_DIAGNOSTICS_STORAGE_REQUIRED")


@pytest.mark.parametrize(("build", "licence"), [(valid_node, "Windows_Server"), (windows_node, "RHEL_BYOS")])
def test_a_licence_type_of_the_other_os_is_an_error(build: Any, licence: str) -> None:
    raw = with_path(build(), f"{LAUNCH}.licenseType", licence)
    assert_problem(raw, "LICENSE_TYPE_OS_MISMATCH", f"{LAUNCH}.licenseType")


def test_an_unknown_licence_type_is_an_error() -> None:
    raw = with_path(valid_node(), f"{LAUNCH}.licenseType", "Ubuntu_Pro")
    assert_problem(raw, "INVALID_VALUE", f"{LAUNCH}.licenseType")


@pytest.mark.parametrize(("build", "licence"), [(valid_node, "SLES_BYOS"), (windows_node, "Windows_Client")])
def test_a_licence_type_of_the_node_os_passes(build: Any, licence: str) -> None:
    assert_no_problem(with_path(build(), f"{LAUNCH}.licenseType", licence), "LICENSE_TYPE_OS_MISMATCH")


def test_a_certificate_store_on_linux_is_an_error() -> None:
    raw = with_path(valid_node(), f"{LAUNCH}.secrets", certificates("My"))
    assert_problem(
        raw, "CERTIFICATE_STORE_NOT_ALLOWED", f"{LAUNCH}.secrets[0].vaultCertificates[0].certificateStore"
    )


def test_a_null_certificate_store_on_linux_passes() -> None:
    assert_no_problem(
        with_path(valid_node(), f"{LAUNCH}.secrets", certificates(None)), "CERTIFICATE_STORE_NOT_ALLOWED"
    )


def test_windows_needs_a_certificate_store() -> None:
    raw = with_path(windows_node(), f"{LAUNCH}.secrets", certificates(None))
    assert_problem(raw, "REQUIRED", f"{LAUNCH}.secrets[0].vaultCertificates[0].certificateStore")


def test_windows_with_a_certificate_store_passes() -> None:
    assert_no_problem(with_path(windows_node(), f"{LAUNCH}.secrets", certificates("My")), "REQUIRED")


def test_a_certificate_url_must_be_a_key_vault_url() -> None:
    raw = with_path(valid_node(), f"{LAUNCH}.secrets", certificates(None, url="https://example.com/cert"))
    assert_problem(raw, "INVALID_SECRET_URL", f"{LAUNCH}.secrets[0].vaultCertificates[0].certificateUrl")


def test_a_certificate_source_vault_needs_a_resource_group() -> None:
    secrets = certificates(None)
    secrets[0]["sourceVault"] = {"name": "kv1"}
    raw = with_path(valid_node(), f"{LAUNCH}.secrets", secrets)
    assert_problem(raw, "REQUIRED", f"{LAUNCH}.secrets[0].sourceVault.resourceGroupName")


def test_a_managed_identity_needs_a_name() -> None:
    raw = with_path(
        valid_node(), f"{LAUNCH}.managedServiceIdentities", [{"name": "", "resourceGroupName": "rg"}]
    )
    assert_problem(raw, "REQUIRED", f"{LAUNCH}.managedServiceIdentities[0].name")


def test_a_managed_identity_without_a_resource_group_key_is_refused_by_the_parser() -> None:
    raw = with_path(valid_node(), f"{LAUNCH}.managedServiceIdentities", [{"name": "mi1"}])
    assert_problem(raw, "REQUIRED", f"{LAUNCH}.managedServiceIdentities[0].resourceGroupName")


def test_a_managed_identity_subscription_must_be_a_guid() -> None:
    identity = {"name": "mi1", "resourceGroupName": "rg", "subscriptionId": "my-subscription"}
    raw = with_path(valid_node(), f"{LAUNCH}.managedServiceIdentities", [identity])
    assert_problem(raw, "INVALID_SUBSCRIPTION_ID", f"{LAUNCH}.managedServiceIdentities[0].subscriptionId")


def test_a_managed_identity_listed_twice_is_an_error() -> None:
    identity = {"name": "mi1", "resourceGroupName": "rg"}
    raw = with_path(valid_node(), f"{LAUNCH}.managedServiceIdentities", [identity, identity])
    assert_problem(raw, "DUPLICATE_IDENTITY", f"{LAUNCH}.managedServiceIdentities[1]")


def test_complete_managed_identities_pass() -> None:
    identities = [
        {"name": "mi1", "resourceGroupName": "rg"},
        {"name": "mi1", "resourceGroupName": "rg", "subscriptionId": "00000000-0000-0000-0000-000000000001"},
    ]
    raw = with_path(valid_node(), f"{LAUNCH}.managedServiceIdentities", identities)
    assert_no_problem(raw, "DUPLICATE_IDENTITY")
    assert_no_problem(raw, "INVALID_SUBSCRIPTION_ID")
