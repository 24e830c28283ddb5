"""Security type: Trusted Launch and Confidential VM need Gen2 images and fitting sizes; the
feature switches only make sense with the security types that have them."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import valid_node, with_path
from tests.unit.rules_support import assert_no_problem, assert_problem, report_for

LAUNCH = "compute.launchSpecification"
SECURITY = f"{LAUNCH}.security"
GEN1_UBUNTU = {
    "marketplace": {
        "publisher": "Canonical",
        "offer": "0001-com-ubuntu-server-jammy",
        "sku": "22_04-lts",
        "version": "latest",
    }
}


def confidential_node() -> dict[str, Any]:
    raw = with_path(
        valid_node(),
        "compute.vmSizes",
        {
            "spotSizes": ["standard_dc2as_v5", "standard_dc4as_v5"],
            "preferredSpotSizes": ["standard_dc2as_v5"],
            "odSizes": ["standard_dc4as_v5"],
        },
    )
    return with_path(
        raw,
        SECURITY,
        {
            "securityType": "ConfidentialVM",
            "secureBootEnabled": True,
            "vTpmEnabled": True,
            "confidentialOsDiskEncryption": True,
        },
    )


def test_a_confidential_node_on_dcasv5_sizes_is_valid() -> None:
    report = report_for(confidential_node())
    assert report.valid, [str(p) for p in report.errors]


@pytest.mark.parametrize("security_type", ["TrustedLaunch", "ConfidentialVM"])
def test_trusted_launch_and_confidential_vms_need_a_gen2_image(security_type: str) -> None:
    raw = confidential_node() if security_type == "ConfidentialVM" else valid_node()
    raw = with_path(raw, f"{SECURITY}.securityType", security_type)
    raw = with_path(raw, f"{LAUNCH}.image", GEN1_UBUNTU)
    problem = assert_problem(raw, "SECURITY_NEEDS_GEN2_IMAGE", f"{SECURITY}.securityType")
    assert "Gen1" in problem.message


def test_a_gen1_image_is_fine_with_standard_security() -> None:
    raw = with_path(valid_node(), SECURITY, {"securityType": "Standard"})
    assert_no_problem(with_path(raw, f"{LAUNCH}.image", GEN1_UBUNTU), "SECURITY_NEEDS_GEN2_IMAGE")


def test_trusted_launch_on_a_confidential_size_is_reported_on_that_size() -> None:
    raw = with_path(valid_node(), "compute.vmSizes.odSizes", ["standard_dc2as_v5"])
    problem = assert_problem(raw, "SIZE_NOT_SUPPORTED", "compute.vmSizes.odSizes[0]")
    assert "ConfidentialVM" in problem.message


def test_a_confidential_vm_needs_confidential_sizes() -> None:
    raw = with_path(
        confidential_node(), "compute.vmSizes.spotSizes", ["standard_dc2as_v5", "standard_d2s_v5"]
    )
    problem = assert_problem(raw, "SIZE_NOT_SUPPORTED", "compute.vmSizes.spotSizes[1]")
    assert "DCasv5" in problem.message


def test_a_confidential_vm_keeps_its_vtpm_on() -> None:
    raw = with_path(confidential_node(), f"{SECURITY}.vTpmEnabled", False)
    assert_problem(raw, "CONFIDENTIAL_VM_NEEDS_VTPM", f"{SECURITY}.vTpmEnabled")


def test_a_confidential_vm_may_leave_vtpm_unset() -> None:
    raw = with_path(confidential_node(), f"{SECURITY}.vTpmEnabled", None)
    assert_no_problem(raw, "CONFIDENTIAL_VM_NEEDS_VTPM")


@pytest.mark.parametrize("security_type", ["Standard", "TrustedLaunch"])
def test_confidential_os_disk_encryption_needs_a_confidential_vm(security_type: str) -> None:
    raw = with_path(
        valid_node(), SECURITY, {"securityType": security_type, "confidentialOsDiskEncryption": True}
    )
    assert_problem(
        raw, "CONFIDENTIAL_DISK_ENCRYPTION_NEEDS_CONFIDENTIAL_VM", f"{SECURITY}.confidentialOsDiskEncryption"
    )


def test_confidential_os_disk_encryption_false_is_fine_anywhere() -> None:
    raw = with_path(valid_node(), f"{SECURITY}.confidentialOsDiskEncryption", False)
    assert_no_problem(raw, "CONFIDENTIAL_DISK_ENCRYPTION_NEEDS_CONFIDENTIAL_VM")


@pytest.mark.parametrize("key", ["secureBootEnabled", "vTpmEnabled"])
def test_secure_boot_and_vtpm_need_trusted_launch_or_confidential(key: str) -> None:
    raw = with_path(valid_node(), SECURITY, {"securityType": "Standard", key: True})
    assert_problem(raw, "SECURITY_FEATURE_NEEDS_TRUSTED_LAUNCH", f"{SECURITY}.{key}")


def test_standard_security_with_the_features_off_passes() -> None:
    raw = with_path(valid_node(), SECURITY, {"securityType": "Standard", "secureBootEnabled": False})
    assert_no_problem(raw, "SECURITY_FEATURE_NEEDS_TRUSTED_LAUNCH")


def test_a_node_without_security_is_standard() -> None:
    raw = with_path(valid_node(), f"{LAUNCH}.image", GEN1_UBUNTU)
    raw["compute"]["launchSpecification"].pop("security")
    assert_no_problem(raw, "SECURITY_NEEDS_GEN2_IMAGE")
