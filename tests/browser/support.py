"""What the browser tests share besides fixtures: the live console handle and screenshots."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"


@dataclass(frozen=True)
class Console:
    url: str
    token: str

    def api(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {self.token}"}, timeout=30)

    def create_node(self, node: dict[str, Any]) -> str:
        with self.api() as client:
            response = client.post("/azure/compute/statefulNode", json={"statefulNode": node})
        assert response.status_code == 200, response.text
        return str(response.json()["response"]["items"][0]["id"])

    def status(self, node_id: str) -> dict[str, Any]:
        with self.api() as client:
            response = client.get(f"/azure/compute/statefulNode/{node_id}/status")
        assert response.status_code == 200, response.text
        item: dict[str, Any] = response.json()["response"]["items"][0]
        return item

    def wait_for_status(self, node_id: str, status: str, *, timeout: float = 60.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        current: dict[str, Any] = {}
        while time.monotonic() < deadline:
            current = self.status(node_id)
            if current.get("status") == status:
                return current
            time.sleep(0.3)
        raise AssertionError(f"{node_id} did not become {status} in {timeout} s; last status {current}")


def shoot(page: Any, name: str) -> Path:
    """Save a full-page screenshot as artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.wait_for_timeout(400)  # let a step's slide-in animation finish
    # A full-page capture would paint the sticky header in the middle of a long page; the style
    # applies to the capture only (a style left on the page moved buttons under later clicks).
    page.screenshot(path=str(path), full_page=True, style=".q-header { position: absolute !important; }")
    return path


def expect(target: Any) -> Any:
    """Playwright's `expect`, imported late so that a machine without Playwright skips the suite
    (conftest decides) instead of failing to collect it."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)
