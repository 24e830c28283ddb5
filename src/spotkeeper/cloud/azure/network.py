"""Public IPs, NICs and application gateway health through the Azure SDK (Microsoft.Network).

A node keeps its addresses by keeping these resources: a Standard static public IP and a NIC
whose private address never moves. So an update of an existing NIC re-sends the address it
already has (a dynamic address would otherwise be free to change) and keeps the name of its
primary ip configuration; an existing public IP is only re-PUT when its tags change. Creates
return at once with the resource as Azure shows it (read back after the PUT was accepted).
"""

from __future__ import annotations

from collections.abc import Mapping

from azure.core.exceptions import HttpResponseError
from azure.mgmt.network import models as network

from spotkeeper.cloud.azure import bodies, mapping
from spotkeeper.cloud.azure.clients import AzureClients
from spotkeeper.cloud.azure.errors import translated
from spotkeeper.cloud.azure.ids import resource_id
from spotkeeper.cloud.port import Nic, NicSpec, PublicIp, PublicIpSpec

NETWORK = "Microsoft.Network"
_HEALTH_RANK = {"Healthy": 0, "Unknown": 1, "Unhealthy": 2}


class NetworkOperations:
    def __init__(self, clients: AzureClients) -> None:
        self.clients = clients

    # public IPs --------------------------------------------------------------

    def ensure_public_ip(self, spec: PublicIpSpec) -> PublicIp:
        existing = self._find_public_ip(spec.resource_group, spec.name)
        if existing is not None and dict(existing.tags or {}) == dict(spec.tags):
            return mapping.public_ip_view(existing)
        with translated():
            self.clients.network.public_ip_addresses.begin_create_or_update(
                spec.resource_group,
                spec.name,
                network.PublicIPAddress(bodies.public_ip_body(spec)),
                polling=False,
            )
        created = self._find_public_ip(spec.resource_group, spec.name)
        if created is not None:
            return mapping.public_ip_view(created)
        return PublicIp(
            id=resource_id(
                self.clients.subscription_id, spec.resource_group, NETWORK, "publicIPAddresses", spec.name
            ),
            resource_group=spec.resource_group,
            name=spec.name,
            region=spec.region,
            address="",
            sku=spec.sku,
            attached_nic_id=None,
            provisioning_state="Creating",
            tags=dict(spec.tags),
        )

    def get_public_ip(self, resource_group: str, name: str) -> PublicIp:
        with translated():
            return mapping.public_ip_view(self.clients.network.public_ip_addresses.get(resource_group, name))

    def delete_public_ip(self, resource_group: str, name: str) -> None:
        with translated():
            try:
                self.clients.network.public_ip_addresses.begin_delete(resource_group, name, polling=False)
            except HttpResponseError as error:
                if error.status_code != 404:
                    raise

    def _find_public_ip(self, resource_group: str, name: str) -> network.PublicIPAddress | None:
        with translated():
            try:
                return self.clients.network.public_ip_addresses.get(resource_group, name)
            except HttpResponseError as error:
                if error.status_code == 404:
                    return None
                raise

    # NICs --------------------------------------------------------------------

    def ensure_nic(self, spec: NicSpec) -> Nic:
        subnet_id = resource_id(
            self.clients.subscription_id,
            spec.network_resource_group,
            NETWORK,
            "virtualNetworks",
            spec.virtual_network,
            "subnets",
            spec.subnet,
        )
        existing = self._find_nic(spec.resource_group, spec.name)
        kept_ip, config_name = None, bodies.PRIMARY_IP_CONFIG
        if existing is not None:
            primary = mapping.primary_ip_configuration(existing)
            if primary is not None:
                config_name = primary.name or config_name
                if primary.properties is not None:
                    kept_ip = primary.properties.private_ip_address
        body = bodies.nic_body(
            spec, subnet_id=subnet_id, kept_private_ip=kept_ip, primary_config_name=config_name
        )
        with translated():
            self.clients.network.network_interfaces.begin_create_or_update(
                spec.resource_group, spec.name, network.NetworkInterface(body), polling=False
            )
        created = self._find_nic(spec.resource_group, spec.name)
        if created is not None:
            return mapping.nic_view(created)
        return Nic(
            id=resource_id(
                self.clients.subscription_id, spec.resource_group, NETWORK, "networkInterfaces", spec.name
            ),
            resource_group=spec.resource_group,
            name=spec.name,
            region=spec.region,
            subnet_id=subnet_id,
            private_ip=spec.private_ip or "",
            public_ip_id=spec.public_ip_id,
            attached_vm_id=None,
            mac_address="",
            provisioning_state="Creating",
            network_security_group_id=spec.network_security_group_id,
            application_security_group_ids=spec.application_security_group_ids,
            tags=dict(spec.tags),
        )

    def get_nic(self, resource_group: str, name: str) -> Nic:
        with translated():
            return mapping.nic_view(self.clients.network.network_interfaces.get(resource_group, name))

    def delete_nic(self, resource_group: str, name: str) -> None:
        with translated():
            try:
                self.clients.network.network_interfaces.begin_delete(resource_group, name, polling=False)
            except HttpResponseError as error:
                if error.status_code != 404:
                    raise

    def _find_nic(self, resource_group: str, name: str) -> network.NetworkInterface | None:
        with translated():
            try:
                return self.clients.network.network_interfaces.get(resource_group, name)
            except HttpResponseError as error:
                if error.status_code == 404:
                    return None
                raise

    # application gateways ------------------------------------------------------

    def get_backend_health(self, resource_group: str, gateway: str) -> Mapping[str, str]:
        """Azure computes backend health on request (a POST long-running operation); this waits
        for its answer, as it is a read."""
        with translated():
            report = self.clients.network.application_gateways.begin_backend_health(
                resource_group, gateway
            ).result()
        health: dict[str, str] = {}
        for pool in report.backend_address_pools or []:
            for settings in pool.backend_http_settings_collection or []:
                for server in settings.servers or []:
                    if not server.address:
                        continue
                    status = mapping.sdk_word(server.health) or "Unknown"
                    status = status if status in _HEALTH_RANK else "Unknown"
                    # An address in several pools is as healthy as its worst probe.
                    if _HEALTH_RANK[status] >= _HEALTH_RANK.get(health.get(server.address, "Healthy"), 0):
                        health[server.address] = status
        return health


__all__ = ["NetworkOperations"]
