"""The shipped catalog: data provenance, lookups, derived capabilities, selection and costs."""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from spotkeeper.catalog import (
    FAMILIES,
    HOURS_PER_MONTH,
    WINDOWS_LICENCE_PER_VCPU_HOUR_USD,
    Catalog,
    CatalogDataError,
    SizeAttributes,
    SizePrice,
    VmSize,
    catalog_from_documents,
    load_catalog,
    select_sizes,
    size_support_reasons,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_CSV = REPO_ROOT.parent / "shared" / "data" / "azure-vm-prices.csv"
SHIPPED_JSON = REPO_ROOT / "src" / "spotkeeper" / "catalog" / "data" / "vm_sizes.json"


@pytest.fixture(scope="module")
def cat() -> Catalog:
    return load_catalog()


def _build_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_catalog", REPO_ROOT / "tools" / "build_catalog.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _size(cat: Catalog, name: str) -> VmSize:
    size = cat.size(name)
    assert size is not None, name
    return size


# --- data and provenance ----------------------------------------------------------------------


def test_catalog_states_its_date_and_source(cat: Catalog) -> None:
    assert isinstance(cat.as_of, dt.date)
    assert "098741e70562f65d7af1cceb81e33b284f742604" in cat.source
    assert "skypilot-catalog" in cat.source
    assert "upstream snapshot date is not recorded" in cat.as_of_note


def test_catalog_holds_188_sizes_in_five_us_regions_with_three_zones(cat: Catalog) -> None:
    assert len(cat.sizes) == 188
    assert {name: region.display_name for name, region in cat.regions.items()} == {
        "eastus": "East US",
        "eastus2": "East US 2",
        "westus2": "West US 2",
        "westus3": "West US 3",
        "centralus": "Central US",
    }
    assert all(region.zones == ("1", "2", "3") for region in cat.regions.values())
    assert cat.families() == list(FAMILIES)


def test_d2s_v5_prices_in_eastus_match_the_extract(cat: Catalog) -> None:
    assert cat.price("eastus", "Standard_D2s_v5") == SizePrice(od_hour=0.096, spot_hour=0.01056)


def test_confidential_sizes_are_offered_in_eastus_only(cat: Catalog) -> None:
    assert _size(cat, "Standard_DC2as_v5") in cat.sizes_in("eastus")
    assert _size(cat, "Standard_DC2as_v5") not in cat.sizes_in("westus2")
    assert cat.regions_offering("standard_ec4ads_v5") == ["eastus"]
    assert len(cat.sizes_in("eastus")) == 188
    assert len(cat.sizes_in("westus2")) == 154
    assert cat.sizes_in("nowhere") == []


def test_every_offer_has_a_price_the_simulator_can_use(cat: Catalog) -> None:
    offers = list(cat.offers())
    assert len(offers) == 804
    for region, size, price in offers:
        assert cat.price(region, size.name) == price
        assert price.od_hour > 0
        assert price.spot_hour is None or 0 < price.spot_hour < price.od_hour


def test_size_and_region_lookups_ignore_case(cat: Catalog) -> None:
    size = cat.size("standard_ds2_v2")
    assert size is not None and size.name == "Standard_DS2_v2"
    assert cat.size("STANDARD_D2S_V5") == cat.size("Standard_D2s_v5")
    assert cat.price("EastUS", "standard_d2s_v5") == cat.price("eastus", "Standard_D2s_v5")
    assert cat.region("EASTUS2") is cat.regions["eastus2"]
    assert cat.size("Standard_Z9_v9") is None
    assert cat.price("eastus", "Standard_Z9_v9") is None


def test_marketplace_images_cover_every_os_generation_and_architecture(cat: Catalog) -> None:
    jammy_arm = cat.find_image("canonical", "0001-com-ubuntu-server-jammy", "22_04-LTS-ARM64")
    assert jammy_arm is not None
    assert (jammy_arm.os, jammy_arm.architecture, jammy_arm.generation) == ("Linux", "Arm64", "V2")
    assert jammy_arm.urn == "Canonical:0001-com-ubuntu-server-jammy:22_04-lts-arm64:latest"
    win = cat.find_image("MicrosoftWindowsServer", "WindowsServer", "2019-datacenter-gensecond")
    assert win is not None and (win.os, win.generation) == ("Windows", "V2")
    gen1 = cat.find_image("Canonical", "ubuntu-24_04-lts", "server-gen1")
    assert gen1 is not None and gen1.generation == "V1"
    assert cat.find_image("Canonical", "ubuntu-24_04-lts", "no-such-sku") is None
    assert all(image.regions == frozenset(cat.regions) for image in cat.images)
    assert len({image.urn for image in cat.images}) == len(cat.images) >= 16


def test_malformed_data_is_refused_naming_the_entry() -> None:
    sizes = {
        "as_of": "2026-11-27",
        "source": "test",
        "sizes": [{"name": "Standard_Q2_v9", "vcpus": 2, "memory_gib": 8, "hyperv_generations": ["V2"]}],
        "prices": {},
    }
    with pytest.raises(CatalogDataError, match=r"sizes\[0\].*Standard_Q2_v9"):
        catalog_from_documents(sizes, {"regions": []}, {"images": []})
    sizes["sizes"] = [
        {"name": "Standard_D2s_v5", "vcpus": "two", "memory_gib": 8, "hyperv_generations": ["V2"]}
    ]
    with pytest.raises(CatalogDataError, match=r"sizes\[0\]\.vcpus"):
        catalog_from_documents(sizes, {"regions": []}, {"images": []})


# --- derived capabilities ---------------------------------------------------------------------


def test_dsv5_has_no_temp_disk_and_published_disk_and_nic_limits(cat: Catalog) -> None:
    limits = {
        name: (s.max_data_disks, s.max_nics, s.temp_storage_gib)
        for name in ("Standard_D2s_v5", "Standard_D4s_v5", "Standard_D8s_v5", "Standard_D16s_v5")
        for s in [_size(cat, name)]
    }
    assert limits == {
        "Standard_D2s_v5": (4, 2, 0),
        "Standard_D4s_v5": (8, 2, 0),
        "Standard_D8s_v5": (16, 4, 0),
        "Standard_D16s_v5": (32, 8, 0),
    }
    d96 = _size(cat, "Standard_D96s_v5")
    assert (d96.max_data_disks, d96.family, d96.size_type) == (32, "DSv5", "General purpose")


@pytest.mark.parametrize(
    ("name", "temp_gib", "data_disks", "nics"),
    [
        ("Standard_D16as_v5", 0, 32, 8),
        ("Standard_E20s_v4", 0, 32, 8),
        ("Standard_F16s_v2", 128, 32, 4),
        ("Standard_D16ps_v5", 0, 32, 4),
        ("Standard_D32pls_v5", 0, 32, 8),
        ("Standard_B8s_v2", 0, 16, 2),
        ("Standard_B16as_v2", 0, 32, 4),
        ("Standard_B2ms", 16, 4, 3),
        ("Standard_B12ms", 96, 16, 6),
        ("Standard_DS5_v2", 112, 64, 8),
        ("Standard_DS14_v2", 224, 64, 8),
        ("Standard_A8_v2", 80, 16, 8),
        ("Standard_L8as_v3", 80, 16, 4),
        ("Standard_DC16as_v5", 0, 32, 4),
        ("Standard_EC20ads_v5", 750, 32, 8),
    ],
)
def test_sizes_match_azures_published_limits(
    cat: Catalog, name: str, temp_gib: int, data_disks: int, nics: int
) -> None:
    size = _size(cat, name)
    assert (size.temp_storage_gib, size.max_data_disks, size.max_nics) == (temp_gib, data_disks, nics)


def test_temp_disk_families_report_their_published_sizes(cat: Catalog) -> None:
    assert _size(cat, "Standard_D2ds_v5").temp_storage_gib == 75
    assert _size(cat, "Standard_E96ds_v5").temp_storage_gib == 3600
    assert _size(cat, "Standard_D4s_v3").temp_storage_gib == 32
    assert _size(cat, "Standard_F72s_v2").temp_storage_gib == 576
    assert _size(cat, "Standard_DS1_v2").temp_storage_gib == 7
    assert _size(cat, "Standard_A1_v2").temp_storage_gib == 10
    assert _size(cat, "Standard_B1ms").temp_storage_gib == 4
    assert _size(cat, "Standard_L8s_v3").temp_storage_gib == 80
    assert _size(cat, "Standard_E4as_v5").temp_storage_gib == 0
    assert _size(cat, "Standard_B2s_v2").temp_storage_gib == 0


def test_size_types_follow_the_azure_family_grouping(cat: Catalog) -> None:
    types = {
        name: _size(cat, name).size_type
        for name in (
            "Standard_D2as_v5",
            "Standard_A2_v2",
            "Standard_DS11_v2",
            "Standard_E2s_v5",
            "Standard_F2s_v2",
            "Standard_L8as_v3",
            "Standard_B2ms",
            "Standard_EC2as_v5",
        )
    }
    assert types == {
        "Standard_D2as_v5": "General purpose",
        "Standard_A2_v2": "General purpose",
        "Standard_DS11_v2": "Memory optimized",
        "Standard_E2s_v5": "Memory optimized",
        "Standard_F2s_v2": "Compute optimized",
        "Standard_L8as_v3": "Storage optimized",
        "Standard_B2ms": "Burstable",
        "Standard_EC2as_v5": "Confidential",
    }


def test_arm64_sizes_are_gen2_only_and_x64_sizes_are_not_arm(cat: Catalog) -> None:
    arm = [s for s in cat.sizes if s.architecture == "Arm64"]
    assert {s.family for s in arm} == {"Dpsv5", "Dplsv5"}
    assert all(s.hyperv_generations == frozenset({"V2"}) and s.gen2_only for s in arm)
    assert _size(cat, "Standard_D2s_v5").architecture == "x64"


def test_generations_come_from_the_extract(cat: Catalog) -> None:
    assert _size(cat, "Standard_A2_v2").hyperv_generations == frozenset({"V1"})
    assert _size(cat, "Standard_D2s_v5").hyperv_generations == frozenset({"V1", "V2"})


def test_premium_storage_follows_the_s_in_the_name(cat: Catalog) -> None:
    assert _size(cat, "Standard_D2s_v5").premium_storage
    assert _size(cat, "Standard_DS2_v2").premium_storage
    assert _size(cat, "Standard_B2ms").premium_storage
    assert not _size(cat, "Standard_D2_v5").premium_storage
    assert not _size(cat, "Standard_A2_v2").premium_storage


def test_confidential_sizes_use_sev_snp_and_not_trusted_launch(cat: Catalog) -> None:
    confidential = {s.family for s in cat.sizes if s.confidential}
    assert confidential == {"DCasv5", "DCadsv5", "ECasv5", "ECadsv5"}
    dc = _size(cat, "Standard_DC4ads_v5")
    assert dc.confidential_computing_type == "AMD SEV-SNP"
    assert not dc.trusted_launch
    assert dc.temp_storage_gib == 150


def test_trusted_launch_needs_gen2_and_a_non_confidential_size(cat: Catalog) -> None:
    assert _size(cat, "Standard_D2s_v5").trusted_launch
    assert _size(cat, "Standard_D2ps_v5").trusted_launch
    assert not _size(cat, "Standard_A2_v2").trusted_launch


def test_bms_sizes_are_not_spot_capable_because_they_have_no_spot_price(cat: Catalog) -> None:
    not_spot = {s.family for s in cat.sizes if not s.spot_capable}
    assert not_spot == {"Bms"}
    price = cat.price("eastus", "Standard_B2ms")
    assert price is not None and price.spot_hour is None


# --- support reasons --------------------------------------------------------------------------


def test_a_matching_size_has_no_reasons(cat: Catalog) -> None:
    reasons = size_support_reasons(
        _size(cat, "Standard_D2s_v5"),
        region="eastus",
        os="Linux",
        generation="V2",
        architecture="x64",
        security_type="TrustedLaunch",
        catalog=cat,
        lifecycle="spot",
    )
    assert reasons == []


def test_size_not_offered_in_region_is_unsupported(cat: Catalog) -> None:
    reasons = size_support_reasons(_size(cat, "Standard_DC2as_v5"), region="westus3", catalog=cat)
    assert reasons == ["Standard_DC2as_v5 is not offered in westus3"]
    unknown = size_support_reasons(_size(cat, "Standard_D2s_v5"), region="mars", catalog=cat)
    assert unknown == ["'mars' is not a region in the catalog"]


def test_architecture_mismatch_is_reported_both_ways(cat: Catalog) -> None:
    arm_on_x64 = size_support_reasons(
        _size(cat, "Standard_D2s_v5"), region="eastus", architecture="Arm64", catalog=cat
    )
    x64_on_arm = size_support_reasons(
        _size(cat, "Standard_D2ps_v5"), region="eastus", architecture="x64", catalog=cat
    )
    assert len(arm_on_x64) == 1 and "x64 size" in arm_on_x64[0] and "image is Arm64" in arm_on_x64[0]
    assert len(x64_on_arm) == 1 and "Arm64 size" in x64_on_arm[0] and "image is x64" in x64_on_arm[0]


def test_windows_is_not_offered_on_arm64(cat: Catalog) -> None:
    reasons = size_support_reasons(_size(cat, "Standard_D4ps_v5"), region="eastus", os="Windows", catalog=cat)
    assert reasons == ["Windows is not offered on Arm64 sizes such as Standard_D4ps_v5"]


def test_image_generation_must_be_supported_by_the_size(cat: Catalog) -> None:
    v2_on_v1 = size_support_reasons(
        _size(cat, "Standard_A2_v2"), region="eastus", generation="V2", catalog=cat
    )
    v1_on_v2 = size_support_reasons(
        _size(cat, "Standard_D2ps_v5"), region="eastus", generation="V1", catalog=cat
    )
    assert v2_on_v1 == ["Standard_A2_v2 supports Hyper-V generation V1 only; the image is V2"]
    assert v1_on_v2 == ["Standard_D2ps_v5 supports Hyper-V generation V2 only; the image is V1"]


def test_trusted_launch_is_refused_on_gen1_and_confidential_sizes(cat: Catalog) -> None:
    gen1 = size_support_reasons(
        _size(cat, "Standard_A4_v2"), region="eastus", security_type="TrustedLaunch", catalog=cat
    )
    confidential = size_support_reasons(
        _size(cat, "Standard_DC4as_v5"), region="eastus", security_type="TrustedLaunch", catalog=cat
    )
    assert gen1 == ["TrustedLaunch needs a Gen2 (V2) size; Standard_A4_v2 supports V1 only"]
    assert len(confidential) == 1 and "use ConfidentialVM" in confidential[0]


def test_confidential_vm_needs_a_confidential_family(cat: Catalog) -> None:
    refused = size_support_reasons(
        _size(cat, "Standard_D4s_v5"), region="eastus", security_type="ConfidentialVM", catalog=cat
    )
    accepted = size_support_reasons(
        _size(cat, "Standard_EC4ads_v5"), region="eastus", security_type="confidentialvm", catalog=cat
    )
    assert len(refused) == 1 and "DCasv5, DCadsv5, ECasv5, ECadsv5" in refused[0]
    assert accepted == []


def test_every_broken_constraint_gives_its_own_reason(cat: Catalog) -> None:
    reasons = size_support_reasons(
        _size(cat, "Standard_D2ps_v5"),
        region="westus2",
        os="Windows",
        generation="V1",
        architecture="x64",
        security_type="ConfidentialVM",
        catalog=cat,
    )
    assert len(reasons) == 4


def test_bad_vocabulary_is_refused_naming_the_argument(cat: Catalog) -> None:
    with pytest.raises(ValueError, match="security_type"):
        size_support_reasons(
            _size(cat, "Standard_D2s_v5"), region="eastus", security_type="Shielded", catalog=cat
        )
    with pytest.raises(ValueError, match="generation"):
        size_support_reasons(_size(cat, "Standard_D2s_v5"), region="eastus", generation="V3", catalog=cat)
    with pytest.raises(ValueError, match="min_cpu"):
        SizeAttributes(min_cpu=8, max_cpu=4)


# --- selection and costs ----------------------------------------------------------------------


def test_attribute_selection_keeps_sizes_within_bounds_and_drops_exclusions(cat: Catalog) -> None:
    bounds = SizeAttributes(
        min_cpu=4, max_cpu=8, min_memory=16, max_memory=32, min_storage=1, max_storage=300
    )
    selection = select_sizes(cat, region="eastus", attributes=bounds, excluded=["standard_d4ds_v5"])
    rows = selection.supported + [u.row for u in selection.unsupported if u.row is not None]
    names = {row.size.name for row in rows}
    assert names
    assert "Standard_D4ds_v5" not in names
    assert {"Standard_D8ds_v5", "Standard_D4s_v3", "Standard_F8s_v2"} <= names
    for row in rows:
        s = row.size
        assert 4 <= s.vcpus <= 8 and 16 <= s.memory_gib <= 32 and 1 <= s.temp_storage_gib <= 300
    assert "Standard_D4s_v5" not in names  # no temp disk, below min_storage


def test_attribute_selection_reports_sizes_missing_from_the_region(cat: Catalog) -> None:
    selection = select_sizes(cat, region="centralus", attributes=SizeAttributes(min_cpu=2, max_cpu=2))
    missing = [u for u in selection.unsupported if u.name == "Standard_DC2as_v5"]
    assert missing and missing[0].reasons == ["Standard_DC2as_v5 is not offered in centralus"]
    assert missing[0].row is not None and missing[0].row.od_month_usd is None


def test_named_selection_reports_each_name_once_in_order(cat: Catalog) -> None:
    selection = select_sizes(
        cat,
        region="eastus",
        generation="V2",
        names=["standard_d4s_v5", "Standard_A2_v2", "Standard_Nope_v9", "Standard_D4s_v5", "Standard_B2ms"],
    )
    assert [row.size.name for row in selection.supported] == ["Standard_D4s_v5"]
    assert [(u.name, len(u.reasons)) for u in selection.unsupported] == [
        ("Standard_A2_v2", 1),
        ("Standard_Nope_v9", 1),
        ("Standard_B2ms", 1),
    ]
    assert selection.unsupported[1].reasons == ["unknown VM size"]
    assert selection.unsupported[1].row is None
    assert "no Spot offer" in selection.unsupported[2].reasons[0]


def test_on_demand_selection_accepts_sizes_without_spot(cat: Catalog) -> None:
    selection = select_sizes(cat, region="eastus", names=["Standard_B2ms"], lifecycle="od")
    [row] = selection.supported
    assert row.spot_month_usd is None
    price = cat.price("eastus", "Standard_B2ms")
    assert price is not None
    assert row.od_month_usd == round(price.od_hour * 730, 2)


def test_monthly_cost_is_730_hours_of_the_hourly_price(cat: Catalog) -> None:
    [row] = select_sizes(cat, region="eastus", names=["Standard_D2s_v5"]).supported
    assert HOURS_PER_MONTH == 730
    assert row.od_month_usd == pytest.approx(0.096 * 730, abs=0.01)
    assert row.spot_month_usd == pytest.approx(0.01056 * 730, abs=0.01)


def test_windows_costs_more_than_linux_by_the_licence_per_vcpu(cat: Catalog) -> None:
    [linux] = select_sizes(cat, region="eastus", names=["Standard_D4s_v5"]).supported
    [windows] = select_sizes(cat, region="eastus", os="Windows", names=["Standard_D4s_v5"]).supported
    assert linux.od_month_usd is not None and windows.od_month_usd is not None
    assert linux.spot_month_usd is not None and windows.spot_month_usd is not None
    uplift = WINDOWS_LICENCE_PER_VCPU_HOUR_USD * 4 * 730
    assert windows.od_month_usd == pytest.approx(linux.od_month_usd + uplift, abs=0.02)
    assert windows.spot_month_usd == pytest.approx(linux.spot_month_usd + uplift, abs=0.02)


# --- the shipped JSON is what the tool builds -----------------------------------------------


@pytest.mark.skipif(not SHARED_CSV.exists(), reason=f"price extract not found at {SHARED_CSV}")
def test_shipped_json_is_exactly_what_the_build_tool_produces_from_the_extract() -> None:
    tool = _build_tool()
    assert tool.render(tool.build_catalog_document(SHARED_CSV)) == SHIPPED_JSON.read_text(encoding="utf-8")


@pytest.mark.skipif(not SHARED_CSV.exists(), reason=f"price extract not found at {SHARED_CSV}")
def test_every_extract_row_is_priced_as_written(cat: Catalog) -> None:
    with SHARED_CSV.open(newline="", encoding="utf-8") as handle:
        for record in csv.DictReader(handle):
            price = cat.price(record["region"], record["size"])
            assert price is not None
            assert price.od_hour == float(record["od_price_hour_usd"])
            spot = record["spot_price_hour_usd"]
            assert price.spot_hour == (float(spot) if spot else None)


def test_build_tool_names_the_row_and_column_of_bad_input(tmp_path: Path) -> None:
    tool = _build_tool()
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "size,vcpus,memory_gib,od_price_hour_usd,spot_price_hour_usd,region,hyperv_generations\n"
        "Standard_D2s_v5,2,8,cheap,0.01,eastus,V1;V2\n",
        encoding="utf-8",
    )
    with pytest.raises(tool.ExtractError, match="row 2, column od_price_hour_usd"):
        tool.build_catalog_document(bad)
