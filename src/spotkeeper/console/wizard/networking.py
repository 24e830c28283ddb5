"""Step 3, Networking: the virtual network, network interfaces, load balancers and health checks.

Every choice is a list read from the region's inventory (virtual networks with their subnets,
security groups, application security groups, load balancers and application gateways).
Assign Public IP becomes available once a Public IP SKU is chosen, as in the seed; the
Application gateway health check once an application gateway is attached.
"""

from __future__ import annotations

from typing import Any

from nicegui import events, ui

from spotkeeper.console.layout import section
from spotkeeper.console.views import LoadBalancerChoice
from spotkeeper.console.wizard.inputs import help_text, note, number_input, switch_input, widen_options
from spotkeeper.console.wizard.state import LAUNCH, NETWORK, WizardState

STEP = "Networking"
NICS = f"{NETWORK}.networkInterfaces"
BALANCERS = f"{LAUNCH}.loadBalancersConfig.loadBalancers"
HEALTH_CHECKS = {"vmState": "VM state", "applicationGateway": "Application gateway", "vmAgent": "VM agent"}
SKUS = {"": "None (no public IP)", "Standard": "Standard", "Basic": "Basic"}


def render_networking(ws: WizardState) -> None:
    lists = ws.pick_lists()
    with section("General Networking Definitions", icon="hub"):
        vnets = {
            f"{v.resource_group}/{v.name}": f"{v.name} ({v.resource_group})" for v in lists.virtual_networks
        }
        rg, name = ws.get(f"{NETWORK}.resourceGroupName"), ws.get(f"{NETWORK}.virtualNetworkName")
        current = f"{rg}/{name}" if rg or name else None
        with ui.grid(columns=2).classes("w-full gap-x-6 gap-y-2"):
            vnet = ui.select(widen_options(vnets, current), label="Virtual Network", value=current)
            vnet.props("outlined dense")
            vnet.on_value_change(lambda e: _pick_vnet(ws, e))
            ws.board.bind(f"{NETWORK}.virtualNetworkName", vnet, step=STEP)
            ws.board.bind(f"{NETWORK}.resourceGroupName", vnet, step=STEP)
            ws.board.bind(NETWORK, vnet, step=STEP)
            sku = ui.select(SKUS, label="Public IP SKU", value=_public_ip_sku(ws))
            sku.props("outlined dense hint='For every public IP of the VM'")
            sku.on_value_change(lambda e: _set_sku(ws, e.value or ""))
            ws.board.bind(f"{NICS}[0].publicIpSku", sku, step=STEP)
        help_text("Virtual networks of the region selected in Basics, with their resource groups.")
        if ws.get("persistence.shouldPersistNetwork"):
            note("Network persistence is on: these settings are locked once the VM is created.", icon="lock")

    with section(
        "Network Interfaces",
        icon="settings_ethernet",
        help_text="At least one network interface; the first one is the primary.",
    ):
        nics: list[dict[str, Any]] = list(ws.get(NICS) or [])
        for index in range(len(nics)):
            _nic_card(ws, index, len(nics))
        ui.button("Add network interface", icon="add", on_click=lambda: _add_nic(ws)).props("flat no-caps")
        ws.board.bind(NICS, ui.element("div"), step=STEP, note=True)

    with section(
        "Load Balancers",
        icon="alt_route",
        help_text="Register the VM in load balancer or application gateway backend pools.",
    ):
        _balancers(ws, list(lists.load_balancers))

    with section("Health Checks", icon="monitor_heart"):
        _health(ws)


def _pick_vnet(ws: WizardState, event: events.ValueChangeEventArguments[Any]) -> None:
    resource_group, _, name = str(event.value or "").partition("/")
    ws.set(f"{NETWORK}.resourceGroupName", resource_group or None)
    ws.set(f"{NETWORK}.virtualNetworkName", name or None)
    for index, _nic in enumerate(ws.get(NICS) or []):
        ws.set(f"{NICS}[{index}].subnetName", "", blank=True)
    ws.rebuild(STEP)


def _public_ip_sku(ws: WizardState) -> str:
    if "public_ip_sku" in ws.ui_state:
        return str(ws.ui_state["public_ip_sku"])
    for nic in ws.get(NICS) or []:
        if isinstance(nic, dict) and nic.get("publicIpSku"):
            return str(nic["publicIpSku"])
    return ""


def _set_sku(ws: WizardState, sku: str) -> None:
    ws.ui_state["public_ip_sku"] = sku
    for index, _nic in enumerate(ws.get(NICS) or []):
        ws.set(f"{NICS}[{index}].publicIpSku", sku or None)
        if not sku:
            ws.set(f"{NICS}[{index}].assignPublicIp", None)
    ws.rebuild(STEP)


def _subnets(ws: WizardState) -> dict[Any, str]:
    rg, name = ws.get(f"{NETWORK}.resourceGroupName"), ws.get(f"{NETWORK}.virtualNetworkName")
    for vnet in ws.pick_lists().virtual_networks:
        if (vnet.resource_group, vnet.name) == (rg, name):
            return {subnet: f"{subnet} ({prefix})" for subnet, prefix in vnet.subnets}
    return {}


def _nic_card(ws: WizardState, index: int, count: int) -> None:
    base = f"{NICS}[{index}]"
    lists = ws.pick_lists()
    primary = bool(ws.get(f"{base}.isPrimary"))
    with ui.card().classes("w-full p-4 gap-2 bg-grey-1").props("flat bordered") as card:
        with ui.row().classes("w-full items-center"):
            ui.icon("settings_ethernet", size="18px").classes("text-grey-7")
            ui.label(f"Network interface {index + 1}").classes("font-medium")
            if primary:
                ui.badge("Primary", color="primary").props("outline rounded")
            ui.space()
            if count > 1 and not primary:
                ui.button("Make primary", on_click=lambda: _make_primary(ws, index)).props(
                    "flat dense no-caps"
                )
                ui.button(icon="delete_outline", on_click=lambda: _remove_nic(ws, index)).props(
                    "flat round dense color=grey-7"
                ).tooltip("Remove this network interface")
        with ui.grid(columns=3).classes("w-full gap-x-4 gap-y-2"):
            subnet_value = ws.get(f"{base}.subnetName") or None
            subnet = ui.select(widen_options(_subnets(ws), subnet_value), label="Subnet", value=subnet_value)
            subnet.props("outlined dense")
            subnet.on_value_change(lambda e: ws.set(f"{base}.subnetName", e.value or "", blank=True))
            ws.board.bind(f"{base}.subnetName", subnet, step=STEP)

            nsgs = {
                f"{g.resource_group}/{g.name}": f"{g.resource_group} / {g.name}"
                for g in sorted(lists.security_groups, key=lambda g: (g.resource_group, g.name))
            }
            nsg_ref = ws.get(f"{base}.networkSecurityGroup") or {}
            nsg_value = f"{nsg_ref.get('resourceGroupName')}/{nsg_ref.get('name')}" if nsg_ref else None
            nsg = ui.select(
                widen_options(nsgs, nsg_value),
                label="Network Security Group",
                value=nsg_value,
                clearable=True,
            )
            nsg.props("outlined dense")
            nsg.on_value_change(lambda e: ws.set(f"{base}.networkSecurityGroup", _ref(e.value)))
            ws.board.bind(f"{base}.networkSecurityGroup", nsg, step=STEP)

            asgs = {f"{g.resource_group}/{g.name}": g.label for g in lists.application_security_groups}
            asg_value = [
                f"{r.get('resourceGroupName')}/{r.get('name')}"
                for r in ws.get(f"{base}.applicationSecurityGroups") or []
            ]
            asg = ui.select(
                widen_options(asgs, asg_value),
                label="Application Security Groups",
                value=asg_value,
                multiple=True,
            )
            asg.props("outlined dense use-chips")
            asg.on_value_change(
                lambda e: ws.set(
                    f"{base}.applicationSecurityGroups", [_ref(v) for v in e.value or []] or None
                )
            )
            ws.board.bind(f"{base}.applicationSecurityGroups", asg, step=STEP)
        sku = _public_ip_sku(ws)
        assign = ui.checkbox("Assign Public IP", value=bool(ws.get(f"{base}.assignPublicIp")))
        assign.on_value_change(lambda e: ws.set(f"{base}.assignPublicIp", bool(e.value) or None))
        if not sku:
            assign.disable()
            assign.tooltip("Choose a Public IP SKU first")
        ws.board.bind(f"{base}.assignPublicIp", assign, step=STEP)
    ws.board.bind(base, card, step=STEP, note=True)


def _ref(value: Any) -> dict[str, str] | None:
    if not value:
        return None
    resource_group, _, name = str(value).partition("/")
    return {"name": name, "resourceGroupName": resource_group}


def _add_nic(ws: WizardState) -> None:
    nics = list(ws.get(NICS) or [])
    nic: dict[str, Any] = {"isPrimary": not nics, "subnetName": ""}
    sku = _public_ip_sku(ws)
    if sku:
        nic["publicIpSku"] = sku
    nics.append({k: v for k, v in nic.items() if v is not None})
    ws.set(NICS, nics, rebuild=(STEP,))


def _remove_nic(ws: WizardState, index: int) -> None:
    nics = list(ws.get(NICS) or [])
    del nics[index]
    ws.set(NICS, nics, rebuild=(STEP,))


def _make_primary(ws: WizardState, index: int) -> None:
    nics = [dict(n) for n in ws.get(NICS) or []]
    for position, nic in enumerate(nics):
        nic["isPrimary"] = position == index
    ws.set(NICS, nics, rebuild=(STEP,))


def _balancers(ws: WizardState, available: list[LoadBalancerChoice]) -> None:
    configured: list[dict[str, Any]] = list(ws.get(BALANCERS) or [])
    options = {f"{b.type}:{b.resource_group}/{b.name}": _balancer_label(b) for b in available}
    chosen = [f"{b.get('type')}:{b.get('resourceGroupName')}/{b.get('name')}" for b in configured]
    select = ui.select(
        widen_options(options, chosen),
        label="Load balancers and application gateways",
        value=chosen,
        multiple=True,
    )
    select.props("outlined dense use-chips").classes("w-full")
    select.on_value_change(lambda e: _set_balancers(ws, available, e.value or []))
    ws.board.bind(BALANCERS, select, step=STEP)
    for index, entry in enumerate(configured):
        match = next(
            (
                b
                for b in available
                if (b.type, b.resource_group, b.name)
                == (entry.get("type"), entry.get("resourceGroupName"), entry.get("name"))
            ),
            None,
        )
        pools = list(match.backend_pools) if match else []
        current = entry.get("backendPoolNames") or []
        pool = ui.select(
            widen_options(pools, current),
            label=f"Backend pools of {entry.get('name')}",
            value=current,
            multiple=True,
        )
        pool.props("outlined dense use-chips").classes("w-full")
        pool.on_value_change(
            lambda e, i=index: ws.set(f"{BALANCERS}[{i}].backendPoolNames", list(e.value or []))
        )
        ws.board.bind(f"{BALANCERS}[{index}]", pool, step=STEP)


def _balancer_label(balancer: LoadBalancerChoice) -> str:
    kind = "Application gateway" if balancer.type == "applicationGateway" else "Load balancer"
    return f"{balancer.name} ({balancer.resource_group}) · {kind} {balancer.sku}"


def _set_balancers(ws: WizardState, available: list[LoadBalancerChoice], keys: list[Any]) -> None:
    existing = {
        f"{b.get('type')}:{b.get('resourceGroupName')}/{b.get('name')}": b for b in ws.get(BALANCERS) or []
    }
    entries: list[dict[str, Any]] = []
    for key in keys:
        if key in existing:
            entries.append(existing[key])
            continue
        match = next((b for b in available if f"{b.type}:{b.resource_group}/{b.name}" == key), None)
        if match is not None:
            entries.append(
                {
                    "type": match.type,
                    "resourceGroupName": match.resource_group,
                    "name": match.name,
                    "loadBalancerSku": match.sku,
                    "backendPoolNames": list(match.backend_pools[:1]),
                }
            )
    ws.set(f"{LAUNCH}.loadBalancersConfig", {"loadBalancers": entries} if entries else None, rebuild=(STEP,))


def _health(ws: WizardState) -> None:
    checks: list[str] = list(ws.get("health.healthCheckTypes") or [])
    has_gateway = any(b.get("type") == "applicationGateway" for b in ws.get(BALANCERS) or [])
    ui.label("Health check types").classes("sk-section-title")
    with ui.row().classes("gap-6") as row:
        for check, label in HEALTH_CHECKS.items():
            box = ui.checkbox(
                label, value=check in checks, on_change=lambda e, c=check: _toggle_check(ws, c, bool(e.value))
            )
            if check == "applicationGateway" and not has_gateway and check not in checks:
                box.disable()
                box.tooltip("Attach an application gateway above first")
    ws.board.bind("health.healthCheckTypes", row, step=STEP, note=True)
    help_text(
        "VM state: the VM's status in Azure. Application gateway: the gateway's probe reaches the VM. "
        "VM agent: the Azure VM agent reports ready."
    )
    with ui.grid(columns=3).classes("w-full gap-x-6 gap-y-2 items-start"):
        number_input(
            ws,
            "Health check grace period",
            "health.gracePeriod",
            step=STEP,
            minimum=0,
            suffix="seconds",
            hint="Time for a new VM to boot before the first check",
        )
        number_input(
            ws,
            "Unhealthy duration",
            "health.unhealthyDuration",
            step=STEP,
            minimum=0,
            suffix="seconds",
            hint="How long a VM may stay unhealthy before it is replaced",
        )
        with ui.column().classes("gap-0"):
            switch_input(ws, "Auto Healing", "health.autoHealing", step=STEP)
            help_text("Replace VMs the health checks find unhealthy.")


def _toggle_check(ws: WizardState, check: str, on: bool) -> None:
    checks = [c for c in ws.get("health.healthCheckTypes") or [] if c != check]
    if on:
        checks.append(check)
    ws.set("health.healthCheckTypes", [c for c in HEALTH_CHECKS if c in checks] or None)
