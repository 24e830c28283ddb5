"""Derive what a VM size can do from its name, because the price extract only states vCPUs,
memory, Hyper-V generations and prices.

Azure size names encode their family: `Standard_D{n}ads_v5` is family Dadsv5, where `a` = AMD,
`d` = local temp disk, `s` = premium storage capable, `p` = Arm64, `l` = low memory. The per-size
limits come from Azure's published size pages ("Sizes for virtual machines in Azure",
learn.microsoft.com; source files `articles/virtual-machines/sizes/**/<series>-series.md` in
MicrosoftDocs/azure-compute-docs). "checked" below means the figures were compared against that
family's page; "pattern" means the family's page was not checked and the rule of its checked
siblings is applied (an approximation). `{n}` is the number in the name, which equals the vCPU
count except in DSv2 (DS11_v2 has 2 vCPUs).

| family  | pattern     | type (a)  | temp GiB (b)        | data disks (c)   | NICs (d)     | source   |
|---------|-------------|-----------|---------------------|------------------|--------------|----------|
| DSv5    | D{n}s_v5    | GP        | 0                   | 2n, max 32       | wide         | pattern  |
| Dv5     | D{n}_v5     | GP        | 0                   | 2n, max 32       | wide         | pattern  |
| Ddsv5   | D{n}ds_v5   | GP        | 37.5 n (75 … 3600)  | 2n, max 32       | wide         | pattern  |
| Dasv5   | D{n}as_v5   | GP        | 0                   | 2n, max 32       | wide         | checked  |
| Dadsv5  | D{n}ads_v5  | GP        | 37.5 n (75 … 3600)  | 2n, max 32       | wide         | pattern  |
| Dsv4    | D{n}s_v4    | GP        | 0                   | 2n, max 32       | wide         | pattern  |
| Dsv3    | D{n}s_v3    | GP        | 8 n (16 … 512)      | 2n, max 32       | wide         | checked  |
| DSv2    | DS{n}_v2    | GP / MO   | per-size table      | per-size table   | per-size     | checked  |
| Av2     | A{n}_v2     | GP        | 10 n (10 … 80)      | 2n               | per-size     | checked  |
| Esv5    | E{n}s_v5    | MO        | 0                   | 2n, max 32       | wide         | checked  |
| Easv5   | E{n}as_v5   | MO        | 0                   | 2n, max 32       | wide         | checked  |
| Edsv5   | E{n}ds_v5   | MO        | 37.5 n (75 … 3600)  | 2n, max 32       | wide         | pattern  |
| Esv4    | E{n}s_v4    | MO        | 0                   | 2n, max 32       | wide         | checked  |
| Fsv2    | F{n}s_v2    | CO        | 8 n (16 … 576)      | 2n, max 32       | narrow       | checked  |
| Lsv3    | L{n}s_v3    | SO        | 10 n (80 … 800)     | 2n, max 32       | per-size     | checked  |
| Lasv3   | L{n}as_v3   | SO        | 10 n (80 … 800)     | 2n, max 32       | per-size     | checked  |
| Bsv2    | B{n}s_v2    | Burstable | 0                   | 2n, max 32       | burstable v2 | checked  |
| Basv2   | B{n}as_v2   | Burstable | 0                   | 2n, max 32       | burstable v2 | checked  |
| Bms     | B{n}ms      | Burstable | per-size (4 … 160)  | per-size table   | per-size     | checked  |
| DCasv5  | DC{n}as_v5  | Conf.     | 0                   | 2n, max 32       | narrow       | checked  |
| DCadsv5 | DC{n}ads_v5 | Conf.     | 37.5 n (75 … 3600)  | 2n, max 32       | narrow       | checked  |
| ECasv5  | EC{n}as_v5  | Conf.     | 0                   | 2n, max 32       | narrow       | checked  |
| ECadsv5 | EC{n}ads_v5 | Conf.     | 37.5 n (75 … 3600)  | 2n, max 32       | narrow       | checked  |
| Dpsv5   | D{n}ps_v5   | GP        | 0                   | 2n, max 32       | narrow       | checked  |
| Dplsv5  | D{n}pls_v5  | GP        | 0                   | 2n, max 32       | narrow       | checked  |

(a) Azure's own grouping: D and A general purpose (GP), E memory optimized (MO), F compute
    optimized (CO), L storage optimized (SO), B burstable, DC/EC confidential. DS11-DS15_v2 are
    listed by Azure as memory optimized ("DSv2-series 11-15"), so they are MO here.
(b) Local temp (resource) disk in GiB, `/dev/sdb` or `D:`. The per-vCPU rules reproduce the
    published per-size figures (D2ds_v5 = 75 GiB, D2s_v3 = 16, F72s_v2 = 576, L8s_v3 = 80).
    Lsv3/Lasv3 count only the SCSI temp disk, not their local NVMe disks. The brief's "no temp
    disk" families (no `d` in the name, plus Bsv2/Basv2) have 0.
(c) 2 vCPU -> 4 disks, 4 -> 8, 8 -> 16, 16 and up -> 32 (the Dsv5 page; same on every checked
    page). Av2 is 2 per vCPU (A8_v2 = 16).
(d) "wide": 2 vCPU -> 2 NICs, 4 -> 2, 8 -> 4, 16 and up -> 8. "narrow": 2 -> 2, 4 -> 2, 8 -> 4,
    16 -> 4, 20 and up -> 8. "burstable v2": up to 8 vCPU -> 2, 16 and up -> 4.

Other capabilities:
- architecture: Arm64 for the `p` families (Dpsv5, Dplsv5; Ampere Altra), x64 otherwise. The
  extract lists them as Gen2 (V2) only, as Azure's pages do.
- hyperv_generations: copied from the extract (`Microsoft.Compute/skus` HyperVGenerations).
  Known disagreement: the extract lists the confidential families as V1 and V2, while Azure's
  pages say Gen2 only; we keep the extract's value, and the ConfidentialVM security type itself
  requires a Gen2 image (checked by the spec rules, not here).
- premium_storage: an `s` in the family suffix (Bms's `ms` included, `DS` in DSv2); Dv5 and Av2
  have none and support Standard storage only.
- confidential: DCasv5/DCadsv5/ECasv5/ECadsv5, AMD SEV-SNP (Azure confidential VMs).
- trusted_launch: Gen2-capable and not a confidential size (confidential sizes use the
  ConfidentialVM security type instead). An approximation of Azure's Trusted Launch size list,
  which covers the Gen2 families in this catalog.
- spot_capable: the extract has a Spot price for the size in at least one region (Bms has none).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from spotkeeper.catalog.model import Architecture, SizeType, VmSize

GP: SizeType = "General purpose"
MO: SizeType = "Memory optimized"
CO: SizeType = "Compute optimized"
SO: SizeType = "Storage optimized"
BURSTABLE: SizeType = "Burstable"
CONFIDENTIAL: SizeType = "Confidential"

Figure = Callable[[int], int]


class UnknownFamily(ValueError):
    """A size name that matches none of the catalog's families (the data and this table disagree)."""


def _per_vcpu(gib: float) -> Figure:
    return lambda n: int(gib * n)


def _none(_: int) -> int:
    return 0


def _two_per_vcpu_max_32(n: int) -> int:
    return min(2 * n, 32)


def _wide_nics(n: int) -> int:
    if n <= 4:
        return 2
    if n <= 8:
        return 4
    return 8


def _narrow_nics(n: int) -> int:
    if n <= 4:
        return 2
    if n <= 16:
        return 4
    return 8


def _burstable_v2_nics(n: int) -> int:
    return 2 if n <= 8 else 4


def _table(values: Mapping[int, int], *, family: str) -> Figure:
    def figure(n: int) -> int:
        try:
            return values[n]
        except KeyError:
            raise UnknownFamily(f"{family}: no published figure for size number {n}") from None

    return figure


_LSV3_NICS = {8: 4, 16: 8, 32: 8, 48: 8, 64: 8, 80: 8}
_DSV2_TEMP = {1: 7, 2: 14, 3: 28, 4: 56, 5: 112, 11: 28, 12: 56, 13: 112, 14: 224, 15: 280}
_DSV2_DISKS = {1: 4, 2: 8, 3: 16, 4: 32, 5: 64, 11: 8, 12: 16, 13: 32, 14: 64, 15: 64}
_DSV2_NICS = {1: 2, 2: 2, 3: 4, 4: 8, 5: 8, 11: 2, 12: 4, 13: 8, 14: 8, 15: 8}
_BMS_TEMP = {1: 4, 2: 16, 4: 32, 8: 64, 12: 96, 16: 128, 20: 160}
_BMS_DISKS = {1: 2, 2: 4, 4: 8, 8: 16, 12: 16, 16: 32, 20: 32}
_BMS_NICS = {1: 2, 2: 3, 4: 4, 8: 4, 12: 6, 16: 8, 20: 8}
_AV2_NICS = {1: 2, 2: 2, 4: 4, 8: 8}


@dataclass(frozen=True)
class FamilyRule:
    family: str
    pattern: re.Pattern[str]  # matched against the name without "Standard_"; group 1 = {n}
    size_type: SizeType
    temp_storage: Figure
    data_disks: Figure
    nics: Figure
    premium_storage: bool = True
    architecture: Architecture = "x64"
    confidential: bool = False

    def size_type_for(self, number: int) -> SizeType:
        # DS11-DS15_v2 are Azure's memory-optimized DSv2 sizes.
        if self.family == "DSv2" and number >= 11:
            return MO
        return self.size_type


def _rule(
    family: str,
    pattern: str,
    size_type: SizeType,
    *,
    temp_storage: Figure,
    data_disks: Figure,
    nics: Figure,
    premium_storage: bool = True,
    architecture: Architecture = "x64",
    confidential: bool = False,
) -> FamilyRule:
    return FamilyRule(
        family=family,
        pattern=re.compile(pattern),
        size_type=size_type,
        temp_storage=temp_storage,
        data_disks=data_disks,
        nics=nics,
        premium_storage=premium_storage,
        architecture=architecture,
        confidential=confidential,
    )


_TEMP_D = _per_vcpu(37.5)
FAMILY_RULES: tuple[FamilyRule, ...] = (
    _rule("DSv5", r"D(\d+)s_v5", GP, temp_storage=_none, data_disks=_two_per_vcpu_max_32, nics=_wide_nics),
    _rule("Dasv5", r"D(\d+)as_v5", GP, temp_storage=_none, data_disks=_two_per_vcpu_max_32, nics=_wide_nics),
    _rule(
        "Ddsv5", r"D(\d+)ds_v5", GP, temp_storage=_TEMP_D, data_disks=_two_per_vcpu_max_32, nics=_wide_nics
    ),
    _rule(
        "Dadsv5", r"D(\d+)ads_v5", GP, temp_storage=_TEMP_D, data_disks=_two_per_vcpu_max_32, nics=_wide_nics
    ),
    _rule("Dsv4", r"D(\d+)s_v4", GP, temp_storage=_none, data_disks=_two_per_vcpu_max_32, nics=_wide_nics),
    _rule(
        "Dv5",
        r"D(\d+)_v5",
        GP,
        temp_storage=_none,
        data_disks=_two_per_vcpu_max_32,
        nics=_wide_nics,
        premium_storage=False,
    ),
    _rule(
        "Dsv3", r"D(\d+)s_v3", GP, temp_storage=_per_vcpu(8), data_disks=_two_per_vcpu_max_32, nics=_wide_nics
    ),
    _rule(
        "DSv2",
        r"DS(\d+)_v2",
        GP,
        temp_storage=_table(_DSV2_TEMP, family="DSv2"),
        data_disks=_table(_DSV2_DISKS, family="DSv2"),
        nics=_table(_DSV2_NICS, family="DSv2"),
    ),
    _rule("Esv5", r"E(\d+)s_v5", MO, temp_storage=_none, data_disks=_two_per_vcpu_max_32, nics=_wide_nics),
    _rule("Easv5", r"E(\d+)as_v5", MO, temp_storage=_none, data_disks=_two_per_vcpu_max_32, nics=_wide_nics),
    _rule(
        "Edsv5", r"E(\d+)ds_v5", MO, temp_storage=_TEMP_D, data_disks=_two_per_vcpu_max_32, nics=_wide_nics
    ),
    _rule("Esv4", r"E(\d+)s_v4", MO, temp_storage=_none, data_disks=_two_per_vcpu_max_32, nics=_wide_nics),
    _rule(
        "Fsv2",
        r"F(\d+)s_v2",
        CO,
        temp_storage=_per_vcpu(8),
        data_disks=_two_per_vcpu_max_32,
        nics=_narrow_nics,
    ),
    _rule(
        "Bsv2",
        r"B(\d+)s_v2",
        BURSTABLE,
        temp_storage=_none,
        data_disks=_two_per_vcpu_max_32,
        nics=_burstable_v2_nics,
    ),
    _rule(
        "Basv2",
        r"B(\d+)as_v2",
        BURSTABLE,
        temp_storage=_none,
        data_disks=_two_per_vcpu_max_32,
        nics=_burstable_v2_nics,
    ),
    _rule(
        "Bms",
        r"B(\d+)ms",
        BURSTABLE,
        temp_storage=_table(_BMS_TEMP, family="Bms"),
        data_disks=_table(_BMS_DISKS, family="Bms"),
        nics=_table(_BMS_NICS, family="Bms"),
    ),
    _rule(
        "Av2",
        r"A(\d+)_v2",
        GP,
        temp_storage=_per_vcpu(10),
        data_disks=lambda n: 2 * n,
        nics=_table(_AV2_NICS, family="Av2"),
        premium_storage=False,
    ),
    _rule(
        "Lsv3",
        r"L(\d+)s_v3",
        SO,
        temp_storage=_per_vcpu(10),
        data_disks=_two_per_vcpu_max_32,
        nics=_table(_LSV3_NICS, family="Lsv3"),
    ),
    _rule(
        "Lasv3",
        r"L(\d+)as_v3",
        SO,
        temp_storage=_per_vcpu(10),
        data_disks=_two_per_vcpu_max_32,
        nics=_table(_LSV3_NICS, family="Lasv3"),
    ),
    _rule(
        "DCasv5",
        r"DC(\d+)as_v5",
        CONFIDENTIAL,
        temp_storage=_none,
        data_disks=_two_per_vcpu_max_32,
        nics=_narrow_nics,
        confidential=True,
    ),
    _rule(
        "DCadsv5",
        r"DC(\d+)ads_v5",
        CONFIDENTIAL,
        temp_storage=_TEMP_D,
        data_disks=_two_per_vcpu_max_32,
        nics=_narrow_nics,
        confidential=True,
    ),
    _rule(
        "ECasv5",
        r"EC(\d+)as_v5",
        CONFIDENTIAL,
        temp_storage=_none,
        data_disks=_two_per_vcpu_max_32,
        nics=_narrow_nics,
        confidential=True,
    ),
    _rule(
        "ECadsv5",
        r"EC(\d+)ads_v5",
        CONFIDENTIAL,
        temp_storage=_TEMP_D,
        data_disks=_two_per_vcpu_max_32,
        nics=_narrow_nics,
        confidential=True,
    ),
    _rule(
        "Dpsv5",
        r"D(\d+)ps_v5",
        GP,
        temp_storage=_none,
        data_disks=_two_per_vcpu_max_32,
        nics=_narrow_nics,
        architecture="Arm64",
    ),
    _rule(
        "Dplsv5",
        r"D(\d+)pls_v5",
        GP,
        temp_storage=_none,
        data_disks=_two_per_vcpu_max_32,
        nics=_narrow_nics,
        architecture="Arm64",
    ),
)
FAMILIES: tuple[str, ...] = tuple(rule.family for rule in FAMILY_RULES)
CONFIDENTIAL_FAMILIES: tuple[str, ...] = tuple(rule.family for rule in FAMILY_RULES if rule.confidential)


def family_rule(name: str) -> tuple[FamilyRule, int]:
    """The family rule a size name belongs to and its `{n}`; raises UnknownFamily otherwise."""
    short = name.removeprefix("Standard_")
    for rule in FAMILY_RULES:
        match = rule.pattern.fullmatch(short)
        if match:
            return rule, int(match.group(1))
    raise UnknownFamily(f"{name}: matches none of the catalog families ({', '.join(FAMILIES)})")


def derive_size(
    *,
    name: str,
    vcpus: int,
    memory_gib: float,
    hyperv_generations: frozenset[str],
    spot_capable: bool,
) -> VmSize:
    """Build a VmSize from the extract's facts plus the family rules documented above."""
    rule, number = family_rule(name)
    gen2 = "V2" in hyperv_generations
    return VmSize(
        name=name,
        family=rule.family,
        size_type=rule.size_type_for(number),
        vcpus=vcpus,
        memory_gib=memory_gib,
        temp_storage_gib=rule.temp_storage(number),
        max_data_disks=rule.data_disks(number),
        max_nics=rule.nics(number),
        hyperv_generations=hyperv_generations,
        architecture=rule.architecture,
        premium_storage=rule.premium_storage,
        confidential=rule.confidential,
        spot_capable=spot_capable,
        trusted_launch=gen2 and not rule.confidential,
        confidential_computing_type="AMD SEV-SNP" if rule.confidential else None,
    )
