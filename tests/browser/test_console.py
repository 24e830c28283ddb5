"""The web console in a real headless Chromium, driven by visible labels and roles.

Each test is a person's task: create a node through the five wizard steps and see it run; meet
a field error that blocks Create; edit the JSON in Review and see the Summary follow; drill an
eviction and see the node come back with the same IPs; find a locked field disabled with its
reason. Screenshots of every step land in artifacts/screenshots/.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest

from tests.browser.support import Console, expect, shoot
from tests.factories import valid_node

pytestmark = pytest.mark.timeout(120)

NODE_ID = re.compile(r"/nodes/(ssn-[0-9a-f]{8})$")


# --- driving the console -----------------------------------------------------------------------


def choose(page: Any, label: str, option: str, *, exact: bool = True, close: bool = False) -> None:
    """Pick `option` in the select labelled `label` (`close` for multi-selects, which stay open).

    A choice may redraw the section below it (a publisher refills the offers), so a list that
    opens before the redraw is closed and opened again."""
    for attempt in range(3):
        page.get_by_label(label, exact=True).click()
        wanted = page.get_by_role("option", name=option, exact=exact).first
        try:
            wanted.wait_for(timeout=3000)
        except Exception:
            if attempt == 2:
                raise
            page.keyboard.press("Escape")
            page.wait_for_timeout(500)
            continue
        wanted.click()
        break
    if close:
        page.keyboard.press("Escape")
    page.wait_for_timeout(400)  # the draft is validated a moment after each change


def tick(box: Any) -> None:
    """Check a checkbox or switch. The server owns the value (it echoes the click back), so wait
    for the echo rather than expecting the state to flip at once."""
    box.click()
    expect(box).to_have_attribute("aria-checked", "true")


def next_step(page: Any) -> None:
    page.get_by_role("button", name="Next", exact=True).filter(visible=True).click()
    page.wait_for_timeout(400)


def pick_size(page: Any, size: str, *, preferred: bool = False) -> None:
    search = page.get_by_label("Search sizes")
    search.fill(size.removeprefix("Standard_"))
    row = page.get_by_role("row").filter(has=page.get_by_role("cell", name=size, exact=True))
    tick(row.get_by_role("checkbox").first)
    if preferred:
        tick(page.get_by_role("checkbox", name=f"Preferred Spot {size}"))
    search.fill("")
    page.wait_for_timeout(250)


def value_after(page: Any, label: str) -> str:
    """The value shown next to a label in a key/value list (the node page's Status card)."""
    key = page.locator(".sk-kv-key", has_text=re.compile(rf"^{re.escape(label)}$")).first
    return str(key.locator("xpath=following-sibling::*[1]").inner_text()).strip()


def field_box(page: Any, label: str) -> Any:
    """The input box (Quasar field) whose label reads `label`, enabled or not."""
    return page.locator(".q-field").filter(has=page.get_by_text(label, exact=True)).filter(visible=True).first


def open_wizard(page: Any, console: Console) -> None:
    page.goto(f"{console.url}/nodes/new")
    page.get_by_label("Name", exact=True).wait_for()


# --- tests -------------------------------------------------------------------------------------


def test_a_node_created_through_the_five_wizard_steps_runs(page: Any, console: Console) -> None:
    open_wizard(page, console)
    # Basics
    page.get_by_label("Name", exact=True).fill("wizard-web")
    page.get_by_label("Description", exact=True).fill("created in the browser suite")
    choose(page, "Resource Group", "sk-sandbox")
    tick(page.get_by_role("checkbox", name="Zone 1"))
    shoot(page, "wizard-1-basics")
    next_step(page)
    # Compute
    choose(page, "Publisher", "Canonical")
    choose(page, "Offer", "0001-com-ubuntu-server-jammy")
    choose(page, "SKU", "22_04-lts-gen2", exact=False)
    page.get_by_label("User name").fill("azureuser")
    page.get_by_label("SSH public key").fill(
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEjF3vNTHBc0sr/+SCDJCpOFK43sALOmZd1QtC/6Bjsr azureuser@browser"
    )
    pick_size(page, "Standard_D2s_v5", preferred=True)
    pick_size(page, "Standard_D4s_v5")
    choose(page, "On-Demand VM sizes", "Standard_D2s_v5", exact=False, close=True)
    shoot(page, "wizard-2-compute")
    next_step(page)
    # Networking
    choose(page, "Virtual Network", "sk-vnet (sk-sandbox)")
    choose(page, "Public IP SKU", "Standard")
    choose(page, "Subnet", "default", exact=False)
    tick(page.get_by_role("checkbox", name="Assign Public IP"))
    shoot(page, "wizard-3-networking")
    next_step(page)
    # Advanced
    page.get_by_role("button", name="Add Task").click()
    page.get_by_text("At 20:00, Monday through Friday").wait_for()
    page.get_by_role("button", name="Add Tag").click()
    page.get_by_label("Key", exact=True).fill("team")
    page.get_by_label("Value", exact=True).fill("browser")
    shoot(page, "wizard-4-advanced")
    next_step(page)
    # Review
    page.get_by_text("The node is valid.").wait_for()
    summary = page.locator(".q-tab-panel").filter(visible=True)
    assert "wizard-web" in summary.inner_text()
    assert "standard_d2s_v5, standard_d4s_v5" in summary.inner_text()
    shoot(page, "wizard-5-review")
    page.get_by_role("button", name="Create", exact=True).click()

    page.wait_for_url(NODE_ID)
    node_id = NODE_ID.search(page.url).group(1)  # type: ignore[union-attr]
    console.wait_for_status(node_id, "active", timeout=60)
    page.get_by_text("Active", exact=True).first.wait_for(timeout=10_000)
    assert value_after(page, "Lifecycle") == "Spot"
    assert re.match(r"\d+\.\d+\.\d+\.\d+", value_after(page, "Private IP"))
    page.get_by_role("cell", name=re.compile("created")).first.wait_for()
    shoot(page, "node-page-running")
    page.goto(f"{console.url}/")
    page.get_by_role("link", name="wizard-web").wait_for()
    shoot(page, "nodes-list")


def test_a_field_error_appears_beside_its_field_and_blocks_create(page: Any, console: Console) -> None:
    open_wizard(page, console)
    page.get_by_label("VM Prefix Name").fill("this-prefix-is-far-too-long-for-azure")
    next_step(page)
    page.get_by_role("button", name="Edit", exact=False).first  # noqa: B018 - wait for the step to render
    page.locator(".q-stepper__tab").filter(has_text="Basics").click()
    name_field = page.locator(".q-field").filter(has=page.get_by_label("Name", exact=True))
    assert "required" in name_field.inner_text()
    prefix_field = page.locator(".q-field").filter(has=page.get_by_label("VM Prefix Name"))
    assert "25" in prefix_field.inner_text()
    shoot(page, "field-errors-basics")
    page.locator(".q-stepper__tab").filter(has_text="Review").click()
    page.get_by_text(re.compile(r"\d+ problems? to fix before creating the node")).wait_for()
    assert page.get_by_role("button", name="Create", exact=True).is_disabled()
    shoot(page, "field-errors-review")


def test_editing_the_json_in_review_updates_the_summary(page: Any, console: Console) -> None:
    open_wizard(page, console)
    page.locator(".q-stepper__tab").filter(has_text="Review").click()
    page.get_by_role("tab", name="JSON").click()
    page.get_by_role("switch", name="Edit mode").filter(visible=True).click()
    node = valid_node(name="from-json", description="typed into the JSON view")
    editor = page.locator(".cm-content").filter(visible=True)
    expect(editor).to_have_attribute("contenteditable", "true")  # edit mode reached the browser
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(json.dumps(node, indent=2))
    page.wait_for_timeout(500)  # the edit reaches the server as the editor's change events
    page.get_by_role("button", name="Apply").filter(visible=True).click()
    page.get_by_text("JSON applied; the node is valid").wait_for()
    shoot(page, "review-json-applied")
    page.get_by_role("tab", name="Summary").click()
    summary = page.locator(".q-tab-panel").filter(visible=True)
    summary.get_by_text("from-json").wait_for()
    assert "typed into the JSON view" in summary.inner_text()
    assert "Custom windows" not in summary.inner_text()
    page.get_by_text("The node is valid.").wait_for()
    assert page.get_by_role("button", name="Create", exact=True).is_enabled()
    shoot(page, "review-summary-after-json")
    # the steps follow too
    page.locator(".q-stepper__tab").filter(has_text="Basics").click()
    assert page.get_by_label("Name", exact=True).input_value() == "from-json"


def test_a_simulated_eviction_brings_the_node_back_with_the_same_ips(page: Any, console: Console) -> None:
    node_id = console.create_node(valid_node(name="eviction-drill"))
    before = console.wait_for_status(node_id, "active", timeout=60)
    page.goto(f"{console.url}/nodes/{node_id}")
    page.get_by_text("Active", exact=True).first.wait_for()
    private_ip, public_ip = value_after(page, "Private IP"), value_after(page, "Public IP")
    assert (private_ip, public_ip) == (before["privateIp"], before["publicIp"])
    shoot(page, "eviction-1-before")
    page.get_by_role("button", name="Simulate eviction").click()
    page.get_by_text(re.compile("simulated on request")).first.wait_for(timeout=10_000)
    deadline = time.monotonic() + 60
    saw_recovery = False
    while time.monotonic() < deadline:
        status = console.status(node_id)
        saw_recovery = saw_recovery or status["status"] != "active" or status["vmName"] != before["vmName"]
        if saw_recovery and status["status"] == "active":
            break
        time.sleep(0.3)
    assert saw_recovery, "the node never left active after the eviction"
    page.get_by_text(re.compile("evict", re.IGNORECASE)).first.wait_for()
    page.get_by_text("Active", exact=True).first.wait_for(timeout=30_000)
    page.wait_for_timeout(2500)  # one refresh of the page
    assert value_after(page, "Private IP") == private_ip
    assert value_after(page, "Public IP") == public_ip
    shoot(page, "eviction-2-recovered")


def test_a_locked_field_is_disabled_and_says_why(page: Any, console: Console) -> None:
    node_id = console.create_node(valid_node(name="locked-fields"))
    console.wait_for_status(node_id, "active", timeout=60)
    page.goto(f"{console.url}/nodes/{node_id}/edit")
    region = field_box(page, "Region")
    region.wait_for()
    assert "q-field--disabled" in str(region.get_attribute("class"))
    assert "cannot be changed after the node is created" in region.inner_text()
    page.locator(".q-stepper__tab").filter(has_text="Compute").click()
    publisher = field_box(page, "Publisher")
    publisher.wait_for()
    assert "q-field--disabled" in str(publisher.get_attribute("class"))
    assert "Locked" in publisher.inner_text()
    image = page.locator(".sk-card").filter(has=page.get_by_text("Image", exact=True)).first
    assert "locked while the OS disk is persisted" in image.inner_text()
    assert "q-field--disabled" not in str(field_box(page, "Draining Timeout").get_attribute("class"))
    shoot(page, "edit-locked-fields")
    # what is not locked can be changed and saved
    page.get_by_label("Draining Timeout").fill("300")
    page.locator(".q-stepper__tab").filter(has_text="Review").click()
    page.get_by_text("The changes are valid.").wait_for()
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(re.compile(rf"/nodes/{node_id}$"))
    with console.api() as client:
        saved = client.get(f"/azure/compute/statefulNode/{node_id}").json()["response"]["items"][0]
    assert saved["strategy"]["drainingTimeout"] == 300
