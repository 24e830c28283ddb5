"""Create rules for the VM security type and its features (the wizard's "Security & Login").

Azure's three security types (seed, "More about security types"): Standard; Trusted Launch
(Secure Boot + vTPM, Gen2 VMs only); Confidential VM (AMD SEV-SNP on the DCasv5, DCadsv5,
ECasv5 and ECadsv5 series, Gen2, vTPM always on, optional confidential OS disk encryption that
requires it). Whether each *size* supports the chosen type is a size rule (`rules.sizes`, with
the catalog's reason); here are the rules about the image and the feature switches.
"""

from __future__ import annotations

from collections.abc import Iterator

from spotkeeper.spec.problems import Problem
from spotkeeper.spec.rules.context import IMAGE, SECURITY, Rule, RuleContext, error

_NAMES = {"TrustedLaunch": "Trusted Launch", "ConfidentialVM": "Confidential VM"}


def check_image_generation(ctx: RuleContext) -> Iterator[Problem]:
    kind = ctx.security_type
    if kind not in _NAMES or ctx.image is None or ctx.image.hyperv_generation != "V1":
        return
    ref = ctx.image_ref
    image = f"{IMAGE}.{ref.kind}" if ref else IMAGE
    yield error(
        "SECURITY_NEEDS_GEN2_IMAGE",
        f"{SECURITY}.securityType",
        f"{_NAMES[kind]} needs a Gen2 (V2) image; the image at {image} is Gen1 (V1). "
        "Pick the image's Gen2 variant or use securityType Standard",
    )


def check_features(ctx: RuleContext) -> Iterator[Problem]:
    launch = ctx.node.compute.launch_specification if ctx.node.compute else None
    security = launch.security if launch else None
    if security is None:
        return
    kind = ctx.security_type
    if kind == "ConfidentialVM" and security.v_tpm_enabled is False:
        yield error(
            "CONFIDENTIAL_VM_NEEDS_VTPM",
            f"{SECURITY}.vTpmEnabled",
            "a Confidential VM always uses its vTPM; set vTpmEnabled to true or leave it out",
        )
    if security.confidential_os_disk_encryption and kind != "ConfidentialVM":
        yield error(
            "CONFIDENTIAL_DISK_ENCRYPTION_NEEDS_CONFIDENTIAL_VM",
            f"{SECURITY}.confidentialOsDiskEncryption",
            "confidential OS disk encryption binds the disk keys to a Confidential VM's TPM; "
            f"it needs securityType ConfidentialVM (the node uses {kind})",
        )
    if kind == "Standard":
        for key, value, feature in (
            ("secureBootEnabled", security.secure_boot_enabled, "Secure Boot"),
            ("vTpmEnabled", security.v_tpm_enabled, "vTPM"),
        ):
            if value:
                yield error(
                    "SECURITY_FEATURE_NEEDS_TRUSTED_LAUNCH",
                    f"{SECURITY}.{key}",
                    f"{feature} is part of Trusted Launch and Confidential VMs; set securityType to "
                    f"TrustedLaunch or ConfidentialVM, or turn {key} off",
                )


RULES: tuple[Rule, ...] = (check_image_generation, check_features)
