"""Create rules for the VM's remaining options: boot diagnostics, licence type, Key Vault
certificates and managed identities (spot-api.md §3.3.1).

- Boot diagnostics: `unmanaged` writes to the user's storage account, so it needs an https
  storage URI (`storageUri`, or `storageUrl` as Go/Terraform spell it); `managed` uses Azure's
  own storage and must not name one. Nothing is checked when diagnostics are disabled.
- Licence type (Azure Hybrid Benefit): `Windows_Server` and `Windows_Client` apply to Windows,
  `RHEL_BYOS` and `SLES_BYOS` to Linux.
- Certificates from Key Vault (`secrets`): the vault needs name and resource group, each
  certificate an https Key Vault URL; `certificateStore` is where Windows installs the
  certificate, so Windows needs it and Linux must leave it null.
- Managed identities: `name` and `resourceGroupName` (the model requires the keys; blanks are
  caught here), and `subscriptionId`, when given, is a subscription GUID.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlparse

from spotkeeper.spec.problems import Problem
from spotkeeper.spec.rules.context import LAUNCH, Rule, RuleContext, at, error, is_blank

LICENSE_OS = {
    "Windows_Server": "Windows",
    "Windows_Client": "Windows",
    "RHEL_BYOS": "Linux",
    "SLES_BYOS": "Linux",
}
_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
_CERTIFICATE_URL = re.compile(
    r"https://[A-Za-z0-9-]{3,24}\.vault\.azure\.net(?::443)?/secrets/\S+", re.IGNORECASE
)


def check_boot_diagnostics(ctx: RuleContext) -> Iterator[Problem]:
    launch = ctx.node.compute.launch_specification if ctx.node.compute else None
    diagnostics = launch.boot_diagnostics if launch else None
    if diagnostics is None or diagnostics.is_enabled is False:
        return
    base = f"{LAUNCH}.bootDiagnostics"
    field = f"{base}.{diagnostics.wire_key('storage_uri')}"
    uri = diagnostics.storage_uri
    if diagnostics.type == "unmanaged":
        if is_blank(uri):
            yield error(
                "BOOT_DIAGNOSTICS_STORAGE_REQUIRED",
                field,
                "unmanaged boot diagnostics write to your storage account; give its https blob endpoint "
                "(e.g. https://myaccount.blob.core.windows.net/)",
            )
        else:
            assert uri is not None
            parsed = urlparse(uri.strip())
            if parsed.scheme != "https" or not parsed.netloc:
                yield error(
                    "BOOT_DIAGNOSTICS_STORAGE_INVALID",
                    field,
                    "the storage URI must be an https URL such as https://myaccount.blob.core.windows.net/",
                )
    elif diagnostics.type == "managed" and not is_blank(uri):
        yield error(
            "BOOT_DIAGNOSTICS_STORAGE_NOT_ALLOWED",
            field,
            "managed boot diagnostics use Azure-managed storage; remove the storage URI "
            "or use type unmanaged",
        )


def check_license_type(ctx: RuleContext) -> Iterator[Problem]:
    launch = ctx.node.compute.launch_specification if ctx.node.compute else None
    license_type = launch.license_type if launch else None
    if license_type is None:
        return
    field = f"{LAUNCH}.licenseType"
    license_os = LICENSE_OS.get(license_type)
    if license_os is None:
        yield error(
            "INVALID_VALUE",
            field,
            f'licenseType must be one of: {", ".join(LICENSE_OS)} (got "{license_type}")',
        )
    elif ctx.os is not None and license_os != ctx.os:
        yield error(
            "LICENSE_TYPE_OS_MISMATCH",
            field,
            f"{license_type} is a {license_os} licence but the node runs {ctx.os}",
        )


def check_certificates(ctx: RuleContext) -> Iterator[Problem]:
    launch = ctx.node.compute.launch_specification if ctx.node.compute else None
    for i, secret in enumerate(launch.secrets or [] if launch else []):
        base = at(f"{LAUNCH}.secrets", i)
        vault = secret.source_vault
        if vault is None:
            yield error(
                "REQUIRED",
                f"{base}.sourceVault",
                "a certificate source needs sourceVault (name and resourceGroupName)",
            )
        else:
            for key, value in (("name", vault.name), ("resourceGroupName", vault.resource_group_name)):
                if is_blank(value):
                    yield error("REQUIRED", f"{base}.sourceVault.{key}", f"the source vault needs {key}")
        certificates = secret.vault_certificates or []
        if not certificates:
            yield error("REQUIRED", f"{base}.vaultCertificates", "list at least one certificate of the vault")
        for j, certificate in enumerate(certificates):
            cert_base = at(f"{base}.vaultCertificates", j)
            url = certificate.certificate_url
            if is_blank(url):
                yield error(
                    "REQUIRED", f"{cert_base}.certificateUrl", "a vault certificate needs certificateUrl"
                )
            elif not _CERTIFICATE_URL.fullmatch(str(url).strip()):
                yield error(
                    "INVALID_SECRET_URL",
                    f"{cert_base}.certificateUrl",
                    "certificateUrl must be a Key Vault secret URL: https://{vault}.vault.azure.net/secrets/{name}/{version}",
                )
            store = certificate.certificate_store
            if ctx.os == "Linux" and store is not None:
                yield error(
                    "CERTIFICATE_STORE_NOT_ALLOWED",
                    f"{cert_base}.certificateStore",
                    "certificateStore is a Windows certificate store; on Linux it must be null "
                    "(the certificate is placed under /var/lib/waagent)",
                )
            if ctx.os == "Windows" and is_blank(store):
                yield error(
                    "REQUIRED",
                    f"{cert_base}.certificateStore",
                    "on Windows name the certificate store to install into, e.g. My",
                )


def check_identities(ctx: RuleContext) -> Iterator[Problem]:
    launch = ctx.node.compute.launch_specification if ctx.node.compute else None
    seen: set[tuple[str, str, str]] = set()
    for i, identity in enumerate(launch.managed_service_identities or [] if launch else []):
        base = at(f"{LAUNCH}.managedServiceIdentities", i)
        for key, value in (("name", identity.name), ("resourceGroupName", identity.resource_group_name)):
            if is_blank(value):
                yield error("REQUIRED", f"{base}.{key}", f"a managed identity needs {key}")
        subscription = identity.subscription_id
        if subscription is not None and not _GUID.fullmatch(subscription.strip()):
            yield error(
                "INVALID_SUBSCRIPTION_ID",
                f"{base}.subscriptionId",
                "subscriptionId must be a subscription GUID such as 00000000-0000-0000-0000-000000000000",
            )
        key_tuple = (
            (subscription or "").lower(),
            identity.resource_group_name.lower(),
            identity.name.lower(),
        )
        if key_tuple in seen:
            yield error("DUPLICATE_IDENTITY", base, f"managed identity {identity.name} is listed twice")
        seen.add(key_tuple)


RULES: tuple[Rule, ...] = (check_boot_diagnostics, check_license_type, check_certificates, check_identities)
