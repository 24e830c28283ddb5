"""Image: one complete source, consistent with the node's OS; specialized images and images
with data disks as the cloud inventory describes them."""

from __future__ import annotations

from typing import Any, Literal

import pytest

from spotkeeper.cloud.port import ImageInfo, ImageRef
from spotkeeper.spec.rules import KnownImages
from tests.factories import valid_node, windows_node, with_path, without_path
from tests.unit.rules_support import Document, assert_no_problem, assert_problem, edited_catalog, report_for

LAUNCH = "compute.launchSpecification"
IMAGE = f"{LAUNCH}.image"
CUSTOM = {"custom": {"resourceGroupName": "sk-sandbox", "name": "golden"}}
GALLERY = {
    "gallery": {
        "resourceGroupName": "sk-sandbox",
        "galleryName": "skgallery",
        "imageName": "web",
        "versionName": "1.2.3",
    }
}


def _facts(
    ref: ImageRef,
    *,
    state: Literal["Generalized", "Specialized"] = "Generalized",
    luns: tuple[int, ...] = (),
    os: Literal["Linux", "Windows"] = "Linux",
) -> KnownImages:
    return KnownImages(
        [
            ImageInfo(
                ref=ref,
                os_type=os,
                architecture="x64",
                hyperv_generation="V2",
                os_state=state,
                data_disk_luns=luns,
            )
        ]
    )


CUSTOM_REF = ImageRef(kind="custom", resource_group="sk-sandbox", name="golden")
GALLERY_REF = ImageRef(
    kind="gallery", resource_group="sk-sandbox", gallery="skgallery", name="web", version="1.2.3"
)


def _with_image(raw: dict[str, Any], image: dict[str, Any]) -> dict[str, Any]:
    return with_path(raw, IMAGE, image)


# ----------------------------------------------------------------------------- one source


def test_two_image_sources_are_an_error() -> None:
    raw = _with_image(valid_node(), {**valid_node()["compute"]["launchSpecification"]["image"], **CUSTOM})
    problem = assert_problem(raw, "IMAGE_SOURCE_COUNT", IMAGE)
    assert "marketplace and custom" in problem.message


def test_an_image_without_a_source_is_an_error() -> None:
    assert_problem(_with_image(valid_node(), {}), "IMAGE_SOURCE_COUNT", IMAGE)


def test_one_source_passes() -> None:
    assert_no_problem(valid_node(), "IMAGE_SOURCE_COUNT")


@pytest.mark.parametrize(
    ("image", "missing"),
    [
        (
            {"marketplace": {"publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy"}},
            "marketplace.sku",
        ),
        ({"custom": {"resourceGroupName": "sk-sandbox"}}, "custom.name"),
        ({"custom": {"name": "golden", "resourceGroupName": " "}}, "custom.resourceGroupName"),
        ({"gallery": {**GALLERY["gallery"], "versionName": None}}, "gallery.versionName"),
        (
            {"gallery": {k: v for k, v in GALLERY["gallery"].items() if k != "galleryName"}},
            "gallery.galleryName",
        ),
    ],
)
def test_each_source_needs_its_key_fields(image: dict[str, Any], missing: str) -> None:
    assert_problem(_with_image(valid_node(), image), "REQUIRED", f"{IMAGE}.{missing}")


def test_a_complete_gallery_image_passes() -> None:
    assert_no_problem(_with_image(valid_node(), GALLERY), "REQUIRED")


@pytest.mark.parametrize("version", ["1.0", "v1.2.3", "latest-1", "1.2.3.4"])
def test_a_gallery_version_must_be_latest_or_major_minor_patch(version: str) -> None:
    raw = with_path(_with_image(valid_node(), GALLERY), f"{IMAGE}.gallery.versionName", version)
    assert_problem(raw, "IMAGE_VERSION_INVALID", f"{IMAGE}.gallery.versionName")


@pytest.mark.parametrize("version", ["latest", "Latest", "0.1.20"])
def test_gallery_versions_latest_and_xyz_pass(version: str) -> None:
    raw = with_path(_with_image(valid_node(), GALLERY), f"{IMAGE}.gallery.versionName", version)
    assert_no_problem(raw, "IMAGE_VERSION_INVALID")


def test_a_marketplace_version_must_be_latest_or_a_version() -> None:
    raw = with_path(valid_node(), f"{IMAGE}.marketplace.version", "newest")
    assert_problem(raw, "IMAGE_VERSION_INVALID", f"{IMAGE}.marketplace.version")


def test_a_pinned_marketplace_version_passes() -> None:
    raw = with_path(valid_node(), f"{IMAGE}.marketplace.version", "22.04.202404100")
    assert_no_problem(raw, "IMAGE_VERSION_INVALID")


# ----------------------------------------------------------------------------- catalog


def test_a_marketplace_image_missing_from_the_catalog_is_only_a_warning() -> None:
    raw = with_path(valid_node(), f"{IMAGE}.marketplace.publisher", "Contoso")
    problem = assert_problem(raw, "IMAGE_NOT_IN_CATALOG", f"{IMAGE}.marketplace", severity="warning")
    assert "Contoso:0001-com-ubuntu-server-jammy:22_04-lts-gen2" in problem.message
    assert report_for(raw).valid


def test_a_catalog_image_does_not_warn() -> None:
    assert_no_problem(valid_node(), "IMAGE_NOT_IN_CATALOG")


def test_an_image_the_inventory_vouches_for_does_not_warn() -> None:
    raw = with_path(valid_node(), f"{IMAGE}.marketplace.publisher", "Contoso")
    ref = ImageRef(
        kind="marketplace", publisher="contoso", offer="0001-com-ubuntu-server-jammy", sku="22_04-lts-gen2"
    )
    assert_no_problem(raw, "IMAGE_NOT_IN_CATALOG", images=_facts(ref))


def _jammy_only_in_westus(sizes: Document, regions: Document, images: Document) -> None:
    for image in images["images"]:
        if image["sku"] == "22_04-lts-gen2":
            image["regions"] = ["westus2"]


def test_a_catalog_image_not_listed_in_the_region_warns() -> None:
    catalog = edited_catalog(_jammy_only_in_westus)
    assert_problem(
        valid_node(), "IMAGE_NOT_IN_REGION", f"{IMAGE}.marketplace", severity="warning", catalog=catalog
    )


def test_a_catalog_image_listed_in_the_region_does_not_warn() -> None:
    assert_no_problem(
        valid_node(region="westus2"), "IMAGE_NOT_IN_REGION", catalog=edited_catalog(_jammy_only_in_westus)
    )


def test_the_image_os_must_match_compute_os() -> None:
    raw = with_path(valid_node(), "compute.os", "Windows")
    problem = assert_problem(raw, "IMAGE_OS_MISMATCH", f"{IMAGE}.marketplace")
    assert "Linux image" in problem.message


def test_a_custom_image_of_the_wrong_os_is_an_error() -> None:
    raw = _with_image(valid_node(), CUSTOM)
    assert_problem(raw, "IMAGE_OS_MISMATCH", f"{IMAGE}.custom", images=_facts(CUSTOM_REF, os="Windows"))


def test_an_image_of_the_node_os_passes() -> None:
    assert_no_problem(windows_node(), "IMAGE_OS_MISMATCH")


# ----------------------------------------------------------------------------- inventory facts


def test_a_custom_image_the_inventory_does_not_know_warns() -> None:
    raw = _with_image(valid_node(), CUSTOM)
    other = ImageRef(kind="custom", resource_group="sk-sandbox", name="other")
    assert_problem(raw, "IMAGE_NOT_FOUND", f"{IMAGE}.custom", severity="warning", images=_facts(other))


def test_a_custom_image_is_not_looked_up_without_inventory() -> None:
    assert_no_problem(_with_image(valid_node(), CUSTOM), "IMAGE_NOT_FOUND")


def test_a_specialized_image_forbids_login() -> None:
    raw = without_path(_with_image(valid_node(), CUSTOM), f"{LAUNCH}.customData")
    facts = _facts(CUSTOM_REF, state="Specialized")
    assert_problem(raw, "SPECIALIZED_IMAGE_LOGIN", f"{LAUNCH}.login", images=facts)


def test_a_specialized_gallery_image_forbids_custom_data() -> None:
    raw = without_path(_with_image(valid_node(), GALLERY), f"{LAUNCH}.login")
    facts = _facts(GALLERY_REF, state="Specialized")
    assert_problem(raw, "SPECIALIZED_IMAGE_CUSTOM_DATA", f"{LAUNCH}.customData", images=facts)


def test_a_specialized_image_without_login_or_custom_data_is_valid() -> None:
    raw = _with_image(valid_node(), CUSTOM)
    raw = without_path(without_path(raw, f"{LAUNCH}.login"), f"{LAUNCH}.customData")
    facts = _facts(CUSTOM_REF, state="Specialized")
    assert_no_problem(raw, "SPECIALIZED_IMAGE_LOGIN", images=facts)
    assert_no_problem(raw, "LOGIN_REQUIRED", images=facts)


def test_a_generalized_custom_image_takes_login_and_custom_data() -> None:
    assert_no_problem(_with_image(valid_node(), CUSTOM), "SPECIALIZED_IMAGE_LOGIN", images=_facts(CUSTOM_REF))


def test_a_gallery_image_with_latest_matches_any_version_in_the_inventory() -> None:
    raw = without_path(_with_image(valid_node(), GALLERY), f"{LAUNCH}.login")
    raw = with_path(raw, f"{IMAGE}.gallery.versionName", "latest")
    facts = _facts(GALLERY_REF, state="Specialized")
    assert_problem(raw, "SPECIALIZED_IMAGE_CUSTOM_DATA", f"{LAUNCH}.customData", images=facts)


def test_an_image_with_data_disks_is_refused_when_data_disks_persist() -> None:
    raw = _with_image(valid_node(), CUSTOM)
    problem = assert_problem(
        raw, "IMAGE_HAS_DATA_DISKS", f"{IMAGE}.custom", images=_facts(CUSTOM_REF, luns=(0, 1))
    )
    assert "LUN 0, 1" in problem.message


def test_an_image_with_data_disks_is_fine_without_data_disk_persistence() -> None:
    raw = with_path(_with_image(valid_node(), CUSTOM), "persistence.shouldPersistDataDisks", False)
    assert_no_problem(raw, "IMAGE_HAS_DATA_DISKS", images=_facts(CUSTOM_REF, luns=(0,)))


# ----------------------------------------------------------------------------- purchase plan


def test_a_purchase_plan_needs_publisher_product_and_name() -> None:
    raw = with_path(valid_node(), f"{LAUNCH}.purchasePlan", {"publisher": "bitnami", "product": "nginx"})
    assert_problem(raw, "REQUIRED", f"{LAUNCH}.purchasePlan.name")


def test_a_complete_purchase_plan_passes() -> None:
    plan = {"publisher": "bitnami", "product": "nginx", "name": "1-9"}
    assert_no_problem(with_path(valid_node(), f"{LAUNCH}.purchasePlan", plan), "REQUIRED")
