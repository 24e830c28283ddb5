"""spotkeeper's own routes: catalog sizes and images, inventory, validate-only, Terraform export."""

from __future__ import annotations

import re

from tests.api.support import ApiWorld, node_spec


def test_catalog_sizes_lists_costs_and_why_a_size_is_unsupported(world: ApiWorld) -> None:
    items = world.ok(
        "GET",
        "/spotkeeper/catalog/sizes",
        params={"region": "eastus", "securityType": "TrustedLaunch", "minCpu": 2, "maxCpu": 2},
    )
    by_name = {i["vmSize"]: i for i in items}
    d2 = by_name["standard_d2s_v5"]
    assert d2["supported"] is True and d2["reasons"] == []
    assert 0 < d2["spotCostPerMonth"] < d2["odCostPerMonth"]
    unsupported = [i for i in items if not i["supported"]]
    assert unsupported and all(i["reasons"] for i in unsupported)
    assert all(i["vCpus"] == 2 for i in items)


def test_catalog_sizes_follows_the_image(world: ApiWorld) -> None:
    image = "Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2"
    items = world.ok("GET", "/spotkeeper/catalog/sizes", params={"region": "eastus", "image": image})
    assert all("V2" in i["hyperVGenerations"] for i in items if i["supported"])


def test_catalog_refuses_an_unknown_region_or_image(world: ApiWorld) -> None:
    region = world.call("GET", "/spotkeeper/catalog/sizes", params={"region": "mars"})
    assert region.status_code == 400 and region.json()["response"]["errors"][0]["field"] == "region"
    image = world.call("GET", "/spotkeeper/catalog/sizes", params={"region": "eastus", "image": "a:b:c"})
    assert image.status_code == 400 and image.json()["response"]["errors"][0]["field"] == "image"


def test_catalog_images_include_custom_and_gallery_images(world: ApiWorld) -> None:
    kinds = {i["kind"] for i in world.ok("GET", "/spotkeeper/catalog/images", params={"region": "eastus"})}
    assert kinds == {"marketplace", "custom", "gallery"}


def test_inventory_lists_what_a_node_can_refer_to(world: ApiWorld) -> None:
    found = world.ok("GET", "/spotkeeper/inventory", params={"region": "eastus"})[0]
    assert "sk-sandbox" in found["resourceGroups"]
    vnet = next(v for v in found["virtualNetworks"] if v["name"] == "sk-vnet")
    assert {s["name"] for s in vnet["subnets"]} == {"default", "backend"}
    assert {g["name"] for g in found["networkSecurityGroups"]} == {"sk-nsg"}
    assert found["loadBalancers"][0]["backendPoolNames"] == ["sk-pool"]
    assert found["capacityReservationGroups"][0]["name"] == "sk-crg"


def test_validate_reports_without_creating(world: ApiWorld) -> None:
    good = world.ok("POST", "/spotkeeper/validate", json={"statefulNode": node_spec()})[0]
    assert good["valid"] is True
    spec = node_spec()
    spec["compute"]["zones"] = ["7"]
    bad = world.ok("POST", "/spotkeeper/validate", json={"statefulNode": spec})[0]
    assert bad["valid"] is False
    assert any(e["field"].startswith("compute.zones") for e in bad["errors"])
    assert world.store.nodes.find() == []


def test_export_terraform_of_a_posted_and_of_a_stored_node(world: ApiWorld) -> None:
    posted = world.ok(
        "POST",
        "/spotkeeper/export/terraform",
        json={"statefulNode": node_spec()},
        params={"resourceName": "db"},
    )[0]
    assert 'resource "spotinst_stateful_node_azure" "db"' in posted["hcl"]
    node_id = world.create()
    stored = world.ok("POST", "/spotkeeper/export/terraform", json={"nodeId": node_id})[0]
    assert 'resource "spotinst_stateful_node_azure" "sk_test_node"' in stored["hcl"]
    assert re.search(r'^  name += "sk-test-node"$', stored["hcl"], re.MULTILINE)
    other = world.call(
        "POST", "/spotkeeper/export/terraform", json={"nodeId": node_id}, headers=world.other_headers
    )
    assert other.status_code == 404
