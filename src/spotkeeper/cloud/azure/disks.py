"""Managed disks and snapshots through the Azure SDK (DiskRP).

Creates start Azure's long-running operation and return at once (`polling=False`: the SDK
sends the request and hands back its first answer without polling), then read the resource
back, so the caller sees Azure's own view with `provisioning_state` "Updating"/"Creating"
until the copy or creation is done. ARM is eventually consistent: a resource just accepted may
not be readable for a moment, and then the view is made from the spec ("Creating").

An existing disk is never re-PUT with new creation data: its zone and source are compared here
(`Conflict` when they differ) and only tags and size change, by PATCH, the way Azure allows.
"""

from __future__ import annotations

from azure.core.exceptions import HttpResponseError
from azure.mgmt.compute import models as compute

from spotkeeper.cloud.azure import bodies, image_views, mapping
from spotkeeper.cloud.azure.clients import AzureClients
from spotkeeper.cloud.azure.errors import translated
from spotkeeper.cloud.azure.ids import resource_id, same_id
from spotkeeper.cloud.errors import Conflict, InvalidRequest, NotFound
from spotkeeper.cloud.port import Disk, DiskSpec, ImageRef, Snapshot, SnapshotSpec

COMPUTE = "Microsoft.Compute"


class DiskOperations:
    def __init__(self, clients: AzureClients) -> None:
        self.clients = clients

    # disks -------------------------------------------------------------------

    def ensure_disk(self, spec: DiskSpec) -> Disk:
        existing = self._find_disk(spec.resource_group, spec.name)
        if existing is not None:
            return self._update_disk(spec, existing)
        image_creation = None
        if spec.create_option == "FromImage":
            if spec.image is None:
                raise InvalidRequest(
                    f"disk {spec.name}: create_option FromImage needs an image", code="InvalidParameter"
                )
            image_creation = self._image_creation(spec.image, spec.region)
        body = bodies.disk_body(spec, image_creation=image_creation)
        with translated(zone=spec.zone):
            self.clients.compute.disks.begin_create_or_update(
                spec.resource_group, spec.name, compute.Disk(body), polling=False
            )
        created = self._find_disk(spec.resource_group, spec.name)
        return mapping.disk_view(created) if created is not None else self._accepted_disk(spec)

    def get_disk(self, resource_group: str, name: str) -> Disk:
        with translated():
            return mapping.disk_view(self.clients.compute.disks.get(resource_group, name))

    def delete_disk(self, resource_group: str, name: str) -> None:
        with translated():
            try:
                self.clients.compute.disks.begin_delete(resource_group, name, polling=False)
            except HttpResponseError as error:
                if error.status_code != 404:
                    raise

    def _find_disk(self, resource_group: str, name: str) -> compute.Disk | None:
        with translated():
            try:
                return self.clients.compute.disks.get(resource_group, name)
            except HttpResponseError as error:
                if error.status_code == 404:
                    return None
                raise

    def _update_disk(self, spec: DiskSpec, existing: compute.Disk) -> Disk:
        view = mapping.disk_view(existing)
        if (spec.zone or None) != view.zone:
            raise Conflict(
                f"disk {spec.name} exists in zone {view.zone or 'none'}, not {spec.zone or 'none'}",
                code="PropertyChangeNotAllowed",
            )
        if spec.source_id and view.source_id and not same_id(spec.source_id, view.source_id):
            raise Conflict(
                f"disk {spec.name} was made from {view.source_id}, not {spec.source_id}",
                code="PropertyChangeNotAllowed",
            )
        patch: dict[str, object] = {}
        if dict(spec.tags) != dict(view.tags):
            patch["tags"] = dict(spec.tags)
        if spec.size_gb is not None and spec.size_gb != view.size_gb:
            patch["properties"] = {"diskSizeGB": spec.size_gb}
        if not patch:
            return view
        with translated(zone=spec.zone):
            self.clients.compute.disks.begin_update(
                spec.resource_group, spec.name, compute.DiskUpdate(patch), polling=False
            )
        return self.get_disk(spec.resource_group, spec.name)

    def _image_creation(self, image: ImageRef, region: str) -> dict[str, object]:
        """`creationData`'s image part: a marketplace image pinned to a concrete version (Azure
        wants one for a disk), or a gallery image (version)."""
        sub = self.clients.subscription_id
        if image.kind == "gallery":
            return {"galleryImageReference": {"id": bodies.image_id(image, sub)}}
        if image.kind == "custom":
            raise InvalidRequest(
                "Azure makes disks from marketplace or gallery images only, "
                "not from a managed (custom) image",
                code="InvalidParameter",
            )
        version = image.version or "latest"
        if version.lower() == "latest":
            with translated():
                found = self.clients.compute.virtual_machine_images.list(
                    region, image.publisher, image.offer, image.sku
                )
            if not found:
                raise NotFound(f"no version of image {image.publisher}:{image.offer}:{image.sku} in {region}")
            # Compared as numbers: Azure's own "name desc" order is textual ("1.10" < "1.9").
            version = max((v.name for v in found), key=image_views.version_key)
        return {"imageReference": {"id": bodies.platform_image_id(image, region, sub, version)}}

    def _accepted_disk(self, spec: DiskSpec) -> Disk:
        return Disk(
            id=resource_id(self.clients.subscription_id, spec.resource_group, COMPUTE, "disks", spec.name),
            resource_group=spec.resource_group,
            name=spec.name,
            region=spec.region,
            zone=spec.zone,
            sku=spec.sku,
            size_gb=spec.size_gb or 0,
            disk_state="Unattached",
            managed_by=None,
            provisioning_state="Creating",
            os_type=spec.os_type,
            source_id=spec.source_id,
            tags=dict(spec.tags),
        )

    # snapshots ---------------------------------------------------------------

    def ensure_snapshot(self, spec: SnapshotSpec) -> Snapshot:
        existing = self._find_snapshot(spec.resource_group, spec.name)
        if existing is not None:
            return mapping.snapshot_view(existing, now=self.clients.now())
        with translated():
            self.clients.compute.snapshots.begin_create_or_update(
                spec.resource_group, spec.name, compute.Snapshot(bodies.snapshot_body(spec)), polling=False
            )
        created = self._find_snapshot(spec.resource_group, spec.name)
        if created is not None:
            return mapping.snapshot_view(created, now=self.clients.now())
        return Snapshot(
            id=resource_id(
                self.clients.subscription_id, spec.resource_group, COMPUTE, "snapshots", spec.name
            ),
            resource_group=spec.resource_group,
            name=spec.name,
            region=spec.region,
            source_disk_id=spec.source_disk_id,
            provisioning_state="Creating",
            completion_percent=0.0,
            time_created=self.clients.now(),
            size_gb=0,
            tags=dict(spec.tags),
        )

    def get_snapshot(self, resource_group: str, name: str) -> Snapshot:
        with translated():
            snap = self.clients.compute.snapshots.get(resource_group, name)
        return mapping.snapshot_view(snap, now=self.clients.now())

    def delete_snapshot(self, resource_group: str, name: str) -> None:
        with translated():
            try:
                self.clients.compute.snapshots.begin_delete(resource_group, name, polling=False)
            except HttpResponseError as error:
                if error.status_code != 404:
                    raise

    def _find_snapshot(self, resource_group: str, name: str) -> compute.Snapshot | None:
        with translated():
            try:
                return self.clients.compute.snapshots.get(resource_group, name)
            except HttpResponseError as error:
                if error.status_code == 404:
                    return None
                raise


__all__ = ["DiskOperations"]
