"""Wire models of `statefulNode.compute`: sizes, zones and the launch specification.

This is the largest part of the node object (spot-api.md §3.3): what VM to build — image, login,
disks, network interfaces, extensions, security — and which sizes and zones it may run in. Keys
are exactly those the public clients send (Python SDK, Go SDK/Terraform, OpenAPI-only ones
included). Enumerations are `Literal`s holding the exact wire values; cross-field constraints
(one primary NIC, `publicIpSku` required with a public IP, size names known in the region ...)
are named rules in `spec.rules`, not here.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from spotkeeper.spec.models_base import WireModel

OsType = Literal["Linux", "Windows"]
Zone = Literal["1", "2", "3"]
OsDiskType = Literal["Standard_LRS", "Premium_LRS", "StandardSSD_LRS", "StandardSSD_ZRS", "Premium_ZRS"]
DataDiskType = Literal[
    "Standard_LRS",
    "Premium_LRS",
    "StandardSSD_LRS",
    "UltraSSD_LRS",
    "StandardSSD_ZRS",
    "Premium_ZRS",
    "PremiumV2_LRS",
]
Caching = Literal["None", "ReadOnly", "ReadWrite"]
SecurityType = Literal["Standard", "TrustedLaunch", "ConfidentialVM"]
BootDiagnosticsType = Literal["managed", "unmanaged"]
PublicIpSku = Literal["Standard", "Basic"]
IpVersion = Literal["IPv4", "IPv6"]
LoadBalancerType = Literal["loadBalancer", "applicationGateway"]
# Load balancer SKUs (Standard, Basic) and application gateway SKUs in one list; which SKU fits
# which `type` is a rule, so a wrong pairing gets an explanation rather than a bare enum error.
LoadBalancerSku = Literal[
    "Standard",
    "Basic",
    "Standard_Large",
    "Standard_Medium",
    "Standard_Small",
    "Standard_v2",
    "WAF_Large",
    "WAF_Medium",
    "WAF_v2",
]


class ResourceRef(WireModel):
    """An Azure resource named by `name` + `resourceGroupName` (NSG, ASG, public IP, PPG, vault)."""

    name: str | None = None
    resource_group_name: str | None = None


# --- sizes -------------------------------------------------------------------------------------


class SpotSizeAttributes(WireModel):
    """Attribute-based spot size selection (memory and storage in GiB)."""

    # The OpenAPI create schema spells the last key `MaxStorage`; Go and Python send `maxStorage`.
    wire_variants = {"maxStorage": ("MaxStorage",)}

    min_cpu: int | None = None
    max_cpu: int | None = None
    min_memory: int | None = None
    max_memory: int | None = None
    min_storage: int | None = None
    max_storage: int | None = None


class VmSizes(WireModel):
    od_sizes: list[str] | None = None
    spot_sizes: list[str] | None = None
    preferred_spot_sizes: list[str] | None = None
    excluded_vm_sizes: list[str] | None = None
    spot_size_attributes: SpotSizeAttributes | None = None


# --- image -------------------------------------------------------------------------------------


class MarketplaceImage(WireModel):
    publisher: str | None = None
    offer: str | None = None
    sku: str | None = None
    version: str | None = None


class CustomImage(WireModel):
    resource_group_name: str | None = None
    name: str | None = None


class GalleryImage(WireModel):
    resource_group_name: str | None = None
    gallery_name: str | None = None
    image_name: str | None = None
    version_name: str | None = None
    spot_account_id: str | None = None


class Image(WireModel):
    """Exactly one of the three sources must be set (a rule checks it)."""

    marketplace: MarketplaceImage | None = None
    custom: CustomImage | None = None
    gallery: GalleryImage | None = None


class PurchasePlan(WireModel):
    """Azure Marketplace plan of a paid image (OpenAPI only)."""

    publisher: str | None = None
    product: str | None = None
    name: str | None = None


# --- network -----------------------------------------------------------------------------------


class AdditionalIpConfiguration(WireModel):
    # The resources response of the OpenAPI spec writes `privateIPAddressVersion`; a client
    # that copies it back into a node should not be refused over a capital letter.
    wire_variants = {"privateIpAddressVersion": ("privateIPAddressVersion",)}

    name: str | None = None
    private_ip_address_version: IpVersion | None = None


class NetworkInterface(WireModel):
    is_primary: bool
    subnet_name: str
    assign_public_ip: bool | None = None
    public_ip_sku: PublicIpSku | None = None
    network_security_group: ResourceRef | None = None
    enable_ip_forwarding: bool | None = None
    private_ip_addresses: list[str] | None = None
    additional_ip_configurations: list[AdditionalIpConfiguration] | None = None
    public_ips: list[ResourceRef] | None = None
    application_security_groups: list[ResourceRef] | None = None


class Network(WireModel):
    resource_group_name: str | None = None
    virtual_network_name: str | None = None
    network_interfaces: list[NetworkInterface] | None = None


class LoadBalancer(WireModel):
    type: LoadBalancerType | None = None
    resource_group_name: str | None = None
    name: str | None = None
    load_balancer_sku: LoadBalancerSku | None = None
    backend_pool_names: list[str] | None = None


class LoadBalancersConfig(WireModel):
    load_balancers: list[LoadBalancer] | None = None


# --- login, identity, extensions, secrets ------------------------------------------------------


class Login(WireModel):
    user_name: str | None = None
    ssh_public_key: str | None = None
    password: str | None = None  # write-only: see spec.secrets


class Tag(WireModel):
    tag_key: str
    tag_value: str | None = None


class ManagedServiceIdentity(WireModel):
    name: str
    resource_group_name: str
    subscription_id: str | None = None


class KeyVaultSecretRef(WireModel):
    """Where an extension's protected settings live in Key Vault (OpenAPI only)."""

    source_vault: str | None = None
    secret_url: str | None = None


class Extension(WireModel):
    name: str
    type: str
    publisher: str
    api_version: str
    minor_version_auto_upgrade: bool
    public_settings: dict[str, Any] | None = None
    protected_settings: dict[str, Any] | None = None  # write-only: see spec.secrets
    enable_automatic_upgrade: bool | None = None
    protected_settings_from_key_vault: KeyVaultSecretRef | None = None


class VaultCertificate(WireModel):
    certificate_url: str | None = None
    certificate_store: str | None = None


class Secret(WireModel):
    source_vault: ResourceRef | None = None
    vault_certificates: list[VaultCertificate] | None = None


# --- disks, diagnostics, security --------------------------------------------------------------


class OsDisk(WireModel):
    type: OsDiskType | None = None
    size_gb: int | None = Field(default=None, alias="sizeGB")
    caching: Caching | None = None


class DataDisk(WireModel):
    size_gb: int = Field(alias="sizeGB")
    lun: int
    type: DataDiskType
    caching: Caching | None = None


class BootDiagnostics(WireModel):
    # Python SDK and OpenAPI send `storageUri`; Go and Terraform send `storageUrl` and read it back.
    wire_variants = {"storageUri": ("storageUrl",)}

    is_enabled: bool | None = None
    type: BootDiagnosticsType | None = None
    storage_uri: str | None = None


class Security(WireModel):
    security_type: SecurityType | None = None
    secure_boot_enabled: bool | None = None
    v_tpm_enabled: bool | None = None
    encryption_at_host: bool | None = None
    confidential_os_disk_encryption: bool | None = None


# --- launch specification and compute ----------------------------------------------------------


class LaunchSpecification(WireModel):
    image: Image | None = None
    purchase_plan: PurchasePlan | None = None
    network: Network | None = None
    login: Login | None = None
    custom_data: str | None = None
    user_data: str | None = None
    shutdown_script: str | None = None
    vm_name: str | None = None
    vm_name_prefix: str | None = None
    license_type: str | None = None
    load_balancers_config: LoadBalancersConfig | None = None
    tags: list[Tag] | None = None
    managed_service_identities: list[ManagedServiceIdentity] | None = None
    extensions: list[Extension] | None = None
    os_disk: OsDisk | None = None
    data_disks: list[DataDisk] | None = None
    secrets: list[Secret] | None = None
    boot_diagnostics: BootDiagnostics | None = None
    security: Security | None = None
    proximity_placement_groups: list[ResourceRef] | None = None


class Compute(WireModel):
    os: OsType | None = None
    vm_sizes: VmSizes | None = None
    zones: list[Zone] | None = None
    preferred_zone: Zone | None = None
    launch_specification: LaunchSpecification | None = None
