"""The plumbing every create rule shares: what a rule is, how it reports, and the derived facts
several sections need (which image the node boots, its OS, generation and architecture, which
VM sizes it names).

A rule is a plain function `RuleContext -> Iterable[Problem]`, usually a generator that yields
one `Problem` per thing it finds wrong. Rules never stop at the first problem and never raise:
the person fixing a node wants the whole list at once. Facts that several rules derive (the
image's OS, the sizes the node names) are computed once here, lazily, so every section agrees on
them and a rule stays a short statement of one constraint.

Images: the offline catalog knows marketplace images. Custom and gallery images live in the
user's subscription, so whether one is *specialized*, and whether it carries data-disk
definitions, is only known from the cloud inventory. The service passes what it read as an
`ImageFacts` lookup (`KnownImages` wraps the inventory's `ImageInfo` list); without it those
rules simply have nothing to check.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Literal, Protocol

from spotkeeper.catalog import Catalog, Region, VmSize
from spotkeeper.cloud.port import ImageInfo, ImageRef
from spotkeeper.spec.models import StatefulNode, WireModel, wire_alias
from spotkeeper.spec.problems import Problem

COMPUTE = "compute"
LAUNCH = "compute.launchSpecification"
SIZES = "compute.vmSizes"
NETWORK = "compute.launchSpecification.network"
IMAGE = "compute.launchSpecification.image"
LOGIN = "compute.launchSpecification.login"
SECURITY = "compute.launchSpecification.security"

OsName = Literal["Linux", "Windows"]


def error(code: str, field: str, message: str) -> Problem:
    return Problem(code, field, message, "error")


def warning(code: str, field: str, message: str) -> Problem:
    return Problem(code, field, message, "warning")


def at(path: str, index: int) -> str:
    """`at("compute.zones", 1)` -> `compute.zones[1]`."""
    return f"{path}[{index}]"


class ImageFacts(Protocol):
    """What the cloud says about an image the node refers to; None when it does not know it."""

    def image_info(self, ref: ImageRef) -> ImageInfo | None: ...


@dataclass(frozen=True)
class KnownImages:
    """`ImageFacts` over a list of images, e.g. `KnownImages(inventory.images)`.

    Matching is case-insensitive like ARM names. A gallery reference with `latest` matches any
    version of that gallery image; a pinned version must match exactly."""

    infos: Sequence[ImageInfo]

    def image_info(self, ref: ImageRef) -> ImageInfo | None:
        for info in self.infos:
            if _same_image(info.ref, ref):
                return info
        return None


def _same_image(known: ImageRef, wanted: ImageRef) -> bool:
    if known.kind != wanted.kind:
        return False
    keys: tuple[str, ...]
    if wanted.kind == "marketplace":
        keys = ("publisher", "offer", "sku")
    elif wanted.kind == "custom":
        keys = ("resource_group", "name")
    else:
        keys = ("resource_group", "gallery", "name")
    if any(getattr(known, key).lower() != getattr(wanted, key).lower() for key in keys):
        return False
    if wanted.kind == "gallery" and wanted.version.lower() != "latest":
        return known.version.lower() == wanted.version.lower()
    return True


@dataclass(frozen=True)
class NamedSize:
    """A size named somewhere in the node, with the wire path of that mention."""

    field: str
    name: str
    size: VmSize | None  # None = unknown to the catalog


Rule = Callable[["RuleContext"], Iterable[Problem]]


class RuleContext:
    """One node under validation plus the facts rules derive from it (computed once)."""

    def __init__(self, node: StatefulNode, *, catalog: Catalog, images: ImageFacts | None = None) -> None:
        self.node = node
        self.catalog = catalog
        self.images = images

    # ------------------------------------------------------------------ image

    @cached_property
    def image_ref(self) -> ImageRef | None:
        """The image as a cloud reference when exactly one kind is given with its key fields."""
        ref = self._image_ref_as_given()
        if ref is None:
            return None
        keys = {
            "marketplace": (ref.publisher, ref.offer, ref.sku),
            "custom": (ref.resource_group, ref.name),
            "gallery": (ref.resource_group, ref.gallery, ref.name),
        }[ref.kind]
        return ref if all(key.strip() for key in keys) else None

    def _image_ref_as_given(self) -> ImageRef | None:
        launch = self.node.compute.launch_specification if self.node.compute else None
        image = launch.image if launch else None
        if image is None:
            return None
        kinds = [k for k in ("marketplace", "custom", "gallery") if getattr(image, k) is not None]
        if len(kinds) != 1:
            return None
        if image.marketplace is not None:
            m = image.marketplace
            return ImageRef(
                kind="marketplace",
                publisher=m.publisher or "",
                offer=m.offer or "",
                sku=m.sku or "",
                version=m.version or "latest",
            )
        if image.custom is not None:
            c = image.custom
            return ImageRef(kind="custom", resource_group=c.resource_group_name or "", name=c.name or "")
        g = image.gallery
        assert g is not None
        return ImageRef(
            kind="gallery",
            resource_group=g.resource_group_name or "",
            gallery=g.gallery_name or "",
            name=g.image_name or "",
            version=g.version_name or "latest",
        )

    @cached_property
    def image(self) -> ImageInfo | None:
        """What is known about the image: the cloud's facts first, then the offline catalog for
        marketplace images. None when nothing is known (rules depending on it stay silent)."""
        ref = self.image_ref
        if ref is None:
            return None
        if self.images is not None:
            info = self.images.image_info(ref)
            if info is not None:
                return info
        if ref.kind == "marketplace":
            found = self.catalog.find_image(ref.publisher, ref.offer, ref.sku)
            if found is not None:
                return ImageInfo(
                    ref=ref,
                    os_type=found.os,
                    architecture=found.architecture,
                    hyperv_generation=found.generation,
                )
        return None

    @cached_property
    def image_is_specialized(self) -> bool:
        return self.image is not None and self.image.os_state == "Specialized"

    # ------------------------------------------------------------------ node facts

    @cached_property
    def os(self) -> OsName | None:
        compute = self.node.compute
        if compute is None or compute.os is None:
            return None
        return "Windows" if str(compute.os) == "Windows" else "Linux"

    @cached_property
    def region(self) -> Region | None:
        if not self.node.region:
            return None
        return self.catalog.region(self.node.region)

    @cached_property
    def security_type(self) -> str:
        launch = self.node.compute.launch_specification if self.node.compute else None
        security = launch.security if launch else None
        if security is None or security.security_type is None:
            return "Standard"
        return str(security.security_type)

    @cached_property
    def named_sizes(self) -> list[NamedSize]:
        """Every size in `odSizes` and `spotSizes`, with its wire path (unknown ones included)."""
        compute = self.node.compute
        sizes = compute.vm_sizes if compute else None
        if sizes is None:
            return []
        named: list[NamedSize] = []
        for key, values in (("odSizes", sizes.od_sizes), ("spotSizes", sizes.spot_sizes)):
            for i, name in enumerate(values or ()):
                named.append(NamedSize(at(f"{SIZES}.{key}", i), name, self.catalog.size(name)))
        return named

    @cached_property
    def known_sizes(self) -> list[NamedSize]:
        """`named_sizes` the catalog knows, each size once (first mention wins)."""
        seen: set[str] = set()
        known: list[NamedSize] = []
        for entry in self.named_sizes:
            if entry.size is not None and entry.size.name not in seen:
                seen.add(entry.size.name)
                known.append(entry)
        return known


def run_rules(context: RuleContext, rules: Iterable[Rule]) -> list[Problem]:
    problems: list[Problem] = []
    for rule in rules:
        problems.extend(rule(context))
    return problems


def value_at(model: object, path: str) -> object:
    """The value at a dotted wire path of a parsed model (`compute.launchSpecification.image`),
    or None when any step along it is absent. Keys are wire keys, as in a `Problem.field`."""
    current: object = model
    for key in path.split("."):
        if not isinstance(current, WireModel):
            return None
        attribute = _attribute_for(type(current), key)
        if attribute is None:
            raise KeyError(f"{key!r} is not a wire key of {type(current).__name__} (path {path!r})")
        current = getattr(current, attribute)
        if current is None:
            return None
    return current


def _attribute_for(model_cls: type[WireModel], key: str) -> str | None:
    for name in model_cls.model_fields:
        if wire_alias(model_cls, name) == key:
            return name
    return None


def is_blank(value: object) -> bool:
    """Absent, or a string with nothing but whitespace: both mean "not given" for a required key."""
    return value is None or (isinstance(value, str) and not value.strip())
