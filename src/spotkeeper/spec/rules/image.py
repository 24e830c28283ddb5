"""Create rules for the image a node boots: one source, complete, consistent with the node.

The three sources (spot-api.md §3.3.1) are exclusive. Marketplace images are checked against the
offline catalog; an image the catalog does not list may still exist in Azure (the catalog holds a
curated subset), so that is only a warning and the cloud has the last word at create time.
Custom and shared-gallery images live in the user's subscription: whether one is *specialized*
(it carries its own accounts and machine identity, so Azure refuses a login or custom data for
it) and whether it defines data disks is only known from the cloud inventory, which the service
passes in as `ImageFacts`. With data-disk persistence on, an image with data-disk definitions is
refused: the node's persisted data disks would collide with the image's (the seed says the
console filters such images out).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from spotkeeper.spec.problems import Problem
from spotkeeper.spec.rules.context import IMAGE, LAUNCH, Rule, RuleContext, error, is_blank, warning

_VERSION = re.compile(r"\d+\.\d+\.\d+")

_REQUIRED_KEYS: dict[str, tuple[tuple[str, str], ...]] = {
    "marketplace": (("publisher", "publisher"), ("offer", "offer"), ("sku", "sku")),
    "custom": (("resource_group_name", "resourceGroupName"), ("name", "name")),
    "gallery": (
        ("resource_group_name", "resourceGroupName"),
        ("gallery_name", "galleryName"),
        ("image_name", "imageName"),
        ("version_name", "versionName"),
    ),
}


def check_source(ctx: RuleContext) -> Iterator[Problem]:
    launch = ctx.node.compute.launch_specification if ctx.node.compute else None
    image = launch.image if launch else None
    if image is None:
        return
    given = [kind for kind in ("marketplace", "custom", "gallery") if getattr(image, kind) is not None]
    if len(given) != 1:
        found = " and ".join(given) if given else "none"
        yield error(
            "IMAGE_SOURCE_COUNT",
            IMAGE,
            f"give exactly one image source: marketplace, custom or gallery (found {found})",
        )
        return
    kind = given[0]
    source = getattr(image, kind)
    for attribute, key in _REQUIRED_KEYS[kind]:
        if is_blank(getattr(source, attribute)):
            yield error("REQUIRED", f"{IMAGE}.{kind}.{key}", f'a {kind} image needs "{key}"')
    version_key = "versionName" if kind == "gallery" else "version"
    version = getattr(source, "version_name" if kind == "gallery" else "version", None)
    if kind != "custom" and not is_blank(version) and not _valid_version(str(version)):
        yield error(
            "IMAGE_VERSION_INVALID",
            f"{IMAGE}.{kind}.{version_key}",
            f'{version_key} must be "latest" or a version like 1.0.0 (major.minor.patch), not "{version}"',
        )


def _valid_version(version: str) -> bool:
    return version.lower() == "latest" or _VERSION.fullmatch(version) is not None


def check_catalog(ctx: RuleContext) -> Iterator[Problem]:
    ref = ctx.image_ref
    if ref is None or ref.kind != "marketplace" or not (ref.publisher and ref.offer and ref.sku):
        return
    field = f"{IMAGE}.marketplace"
    found = ctx.catalog.find_image(ref.publisher, ref.offer, ref.sku)
    if found is None:
        if ctx.image is None:  # the cloud inventory did not vouch for it either
            yield warning(
                "IMAGE_NOT_IN_CATALOG",
                field,
                f"{ref.publisher}:{ref.offer}:{ref.sku} is not in spotkeeper's offline image catalog; "
                "it will be checked against Azure when the node is created",
            )
        return
    region = ctx.node.region
    if region and ctx.region is not None and found.regions and region not in found.regions:
        yield warning(
            "IMAGE_NOT_IN_REGION",
            field,
            f"the catalog does not list {found.display_name} in {region}; "
            "it will be checked against Azure when the node is created",
        )


def check_os_consistency(ctx: RuleContext) -> Iterator[Problem]:
    info, ref = ctx.image, ctx.image_ref
    if info is None or ref is None or ctx.os is None or info.os_type == ctx.os:
        return
    yield error(
        "IMAGE_OS_MISMATCH",
        f"{IMAGE}.{ref.kind}",
        f"the image is a {info.os_type} image but compute.os is {ctx.os}; "
        "pick an image of the node's OS or change compute.os",
    )


def check_inventory(ctx: RuleContext) -> Iterator[Problem]:
    ref = ctx.image_ref
    if ref is None or ref.kind == "marketplace" or ctx.images is None or ctx.image is not None:
        return
    where = f"{ref.resource_group}/{ref.gallery + '/' if ref.gallery else ''}{ref.name}"
    yield warning(
        "IMAGE_NOT_FOUND",
        f"{IMAGE}.{ref.kind}",
        f"the {ref.kind} image {where} was not found in the subscription; the create will fail "
        "unless it exists by then",
    )


def check_specialized(ctx: RuleContext) -> Iterator[Problem]:
    if not ctx.image_is_specialized:
        return
    launch = ctx.node.compute.launch_specification if ctx.node.compute else None
    if launch is None:
        return
    reason = "the image is specialized: it keeps the accounts and settings of the VM it was captured from"
    if launch.login is not None:
        yield error("SPECIALIZED_IMAGE_LOGIN", f"{LAUNCH}.login", f"remove login; {reason}")
    if launch.custom_data is not None:
        yield error(
            "SPECIALIZED_IMAGE_CUSTOM_DATA",
            f"{LAUNCH}.customData",
            f"remove customData (Azure only runs it when provisioning a generalized image); {reason}. "
            "userData works with any image",
        )


def check_image_data_disks(ctx: RuleContext) -> Iterator[Problem]:
    info, ref = ctx.image, ctx.image_ref
    persistence = ctx.node.persistence
    if info is None or ref is None or not info.data_disk_luns or persistence is None:
        return
    if not persistence.should_persist_data_disks:
        return
    luns = ", ".join(str(lun) for lun in info.data_disk_luns)
    yield error(
        "IMAGE_HAS_DATA_DISKS",
        f"{IMAGE}.{ref.kind}",
        f"the image defines data disks (LUN {luns}); with persistence.shouldPersistDataDisks the "
        "node's persisted data disks must be the only ones, so use an image without data disks",
    )


def check_purchase_plan(ctx: RuleContext) -> Iterator[Problem]:
    launch = ctx.node.compute.launch_specification if ctx.node.compute else None
    plan = launch.purchase_plan if launch else None
    if plan is None:
        return
    for key in ("publisher", "product", "name"):
        if is_blank(getattr(plan, key)):
            yield error("REQUIRED", f"{LAUNCH}.purchasePlan.{key}", f'a purchase plan needs "{key}"')


RULES: tuple[Rule, ...] = (
    check_source,
    check_catalog,
    check_os_consistency,
    check_inventory,
    check_specialized,
    check_image_data_disks,
    check_purchase_plan,
)
