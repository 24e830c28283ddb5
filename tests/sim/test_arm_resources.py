"""Subscription-level reads through the ARM facade with the real SDK clients: resource groups,
the generic resource list filtered by tag, resource SKUs from the catalog, capacity
reservation groups, images, and Resource Graph's SpotResources answered by the market."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.resourcegraph.models import QueryRequest, QueryRequestOptions

from tests.sim.test_arm_support import RG, Facade, facade

__all__ = ["facade"]

EVICTION_QUERY = """SpotResources
| where type =~ 'microsoft.compute/skuspotevictionrate/location'
| where sku.name in~ ('standard_d2s_v5', 'standard_d4s_v5')
| where location in~ ('eastus', 'westus2')
| project skuName = tostring(sku.name), location, spotEvictionRate = tostring(properties.evictionRate)
| order by skuName asc, location asc"""

PRICE_QUERY = """SpotResources
| where type =~ 'microsoft.compute/skuspotpricehistory/ostype/location'
| where sku.name in~ ('standard_d2s_v5')
| where properties.osType =~ 'linux'
| where location in~ ('eastus')
| project skuName = tostring(sku.name), osType = tostring(properties.osType), location,
          latestSpotPriceUSD = todouble(properties.spotPrices[0].priceUSD)
| order by latestSpotPriceUSD asc"""


def test_resource_groups_are_created_read_and_checked_for_existence(facade: Facade) -> None:
    groups = facade.resources().resource_groups
    created = groups.create_or_update("rg-new", {"location": "eastus", "tags": {"team": "db"}})
    assert (
        created.id.endswith("/resourceGroups/rg-new") and created.properties.provisioning_state == "Succeeded"
    )
    assert groups.get("RG-NEW").tags == {"team": "db"}  # names are case-insensitive, as in ARM
    assert groups.check_existence("rg-new") is True and groups.check_existence("nope") is False
    assert sorted(g.name for g in groups.list()) == ["rg-new", "sk-sandbox"]


def test_generic_resource_list_finds_everything_carrying_a_tag(facade: Facade) -> None:
    vm = facade.vm("node1")  # tagged stateful-node=node1 by the helper
    facade.compute().disks.begin_update(
        RG, vm.storage_profile.os_disk.managed_disk.id.rsplit("/", 1)[1], {"tags": {"Stateful-Node": "node1"}}
    ).result()
    found = facade.resources().resources.list(filter="tagName eq 'stateful-node' and tagValue eq 'node1'")
    assert sorted(r.type for r in found) == ["Microsoft.Compute/disks", "Microsoft.Compute/virtualMachines"]
    by_type = facade.resources().resources.list_by_resource_group(
        RG, filter="resourceType eq 'Microsoft.Network/publicIPAddresses'"
    )
    assert [r.name for r in by_type] == ["node1-nic-ip"]


def test_an_unsupported_resource_filter_is_a_400_naming_the_clause(facade: Facade) -> None:
    with pytest.raises(HttpResponseError) as caught:
        list(facade.resources().resources.list(filter="substringof('node', name)"))
    assert caught.value.status_code == 400 and "substringof" in str(caught.value.message)


def test_resource_skus_carry_the_catalog_capabilities_and_zones(facade: Facade) -> None:
    skus = {s.name: s for s in facade.compute().resource_skus.list(filter="location eq 'eastus'")}
    d2 = skus["Standard_D2s_v5"]
    capabilities = {c.name: c.value for c in d2.capabilities}
    assert capabilities["vCPUs"] == "2" and capabilities["MemoryGB"] == "8"
    assert capabilities["HyperVGenerations"] == "V1,V2" and capabilities["LowPriorityCapable"] == "True"
    assert capabilities["CpuArchitectureType"] == "x64" and capabilities["TrustedLaunchDisabled"] == "False"
    assert d2.locations == ["eastus"] and d2.location_info[0].zones == ["1", "2", "3"]
    assert len(skus) == len(facade.sim.catalog.sizes_in("eastus"))


def test_capacity_reservation_group_lists_its_reservations_and_vms(facade: Facade) -> None:
    compute = facade.compute()
    crg = compute.capacity_reservation_groups.get(RG, "sk-crg", expand="instanceView")
    assert crg.zones == ["1", "2", "3"]
    reservations = list(compute.capacity_reservations.list_by_capacity_reservation_group(RG, "sk-crg"))
    assert {(r.sku.name, r.sku.capacity) for r in reservations} == {
        ("Standard_D2s_v5", 2),
        ("Standard_D4s_v5", 2),
    }
    assert [g.name for g in compute.capacity_reservation_groups.list_by_subscription()] == ["sk-crg"]


def test_custom_and_gallery_images_are_readable(facade: Facade) -> None:
    compute = facade.compute()
    image = compute.images.get(RG, "sk-image-linux-data")
    assert image.storage_profile.os_disk.os_state == "Generalized"
    assert [d.lun for d in image.storage_profile.data_disks] == [0, 1]
    definition = compute.gallery_images.get(RG, "sk_gallery", "sk-linux-specialized")
    assert definition.os_state == "Specialized" and definition.hyper_v_generation == "V2"
    versions = compute.gallery_image_versions.list_by_gallery_image(RG, "sk_gallery", "sk-linux-specialized")
    assert [v.name for v in versions] == ["1.0.0", "1.1.0"]


def test_marketplace_image_versions_come_from_the_catalog(facade: Facade) -> None:
    images = facade.compute().virtual_machine_images
    versions = images.list("eastus", "Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2")
    assert [v.name for v in versions] == ["1.0.0"]
    image = images.get("eastus", "Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2", "1.0.0")
    assert image.hyper_v_generation == "V2" and image.os_disk_image.operating_system == "Linux"


def test_resource_graph_answers_the_eviction_rate_query_from_the_market(facade: Facade) -> None:
    result = facade.graph().resources(
        QueryRequest(subscriptions=[facade.sim.subscription_id], query=EVICTION_QUERY)
    )
    rows = result.data
    assert [(r["skuName"], r["location"]) for r in rows] == [
        ("standard_d2s_v5", "eastus"),
        ("standard_d2s_v5", "westus2"),
        ("standard_d4s_v5", "eastus"),
        ("standard_d4s_v5", "westus2"),
    ]
    for row in rows:
        assert row["spotEvictionRate"] == facade.sim.market.eviction_band(row["location"], row["skuName"])
    assert result.total_records == 4 and result.count == 4


def test_resource_graph_price_history_has_the_latest_price_first(facade: Facade) -> None:
    sim = facade.sim
    result = facade.graph().resources(QueryRequest(subscriptions=[sim.subscription_id], query=PRICE_QUERY))
    assert len(result.data) == 1
    row = result.data[0]
    assert row["osType"] == "Linux"
    assert row["latestSpotPriceUSD"] == sim.market.spot_price("eastus", "", "Standard_D2s_v5", sim.now())
    raw = (
        facade.graph()
        .resources(
            QueryRequest(
                subscriptions=[sim.subscription_id],
                query="SpotResources | where type =~ 'microsoft.compute/skuspotpricehistory/ostype/location' "
                "| where sku.name =~ 'standard_d2s_v5' and location =~ 'eastus' "
                "and properties.osType =~ 'windows'",
            )
        )
        .data
    )
    prices = raw[0]["properties"]["spotPrices"]
    assert prices[0]["priceUSD"] > row["latestSpotPriceUSD"]  # Windows adds the licence
    dates = [p["effectiveDate"] for p in prices]
    assert dates == sorted(dates, reverse=True)


def test_resource_graph_pages_with_a_skip_token_and_refuses_unknown_tables(facade: Facade) -> None:
    graph = facade.graph()
    query = (
        "SpotResources | where type =~ 'microsoft.compute/skuspotevictionrate/location' | order by name asc"
    )
    first = graph.resources(
        QueryRequest(
            subscriptions=[facade.sim.subscription_id], query=query, options=QueryRequestOptions(top=5)
        )
    )
    assert first.count == 5 and first.skip_token == "5"
    second = graph.resources(
        QueryRequest(
            subscriptions=[facade.sim.subscription_id],
            query=query,
            options=QueryRequestOptions(top=5, skip_token=first.skip_token),
        )
    )
    assert {r["name"] for r in first.data}.isdisjoint({r["name"] for r in second.data})
    with pytest.raises(HttpResponseError) as caught:
        graph.resources(QueryRequest(subscriptions=[facade.sim.subscription_id], query="Resources | limit 1"))
    assert caught.value.error is not None and caught.value.error.code == "InvalidQuery"


def test_vm_sizes_and_usages_of_a_region(facade: Facade) -> None:
    compute = facade.compute()
    sizes = {s.name: s for s in compute.virtual_machine_sizes.list("eastus")}
    assert sizes["Standard_D4s_v5"].number_of_cores == 4 and sizes["Standard_D4s_v5"].memory_in_mb == 16384
    facade.vm("node1")  # a Spot D2s_v5: 2 low-priority vCPUs
    usages = {u.name.value: u for u in compute.usage.list("eastus")}
    assert usages["lowPriorityCores"].current_value == 2
    assert usages["standardDSv5Family"].current_value == 0 and usages["standardDSv5Family"].limit > 0
