"""Fixtures for the engine's scenario tests (the helpers themselves are in `scenario_support`)."""

from __future__ import annotations

import pytest

from spotkeeper.whatif import WhatIf
from tests.engine.scenario_support import make_world


@pytest.fixture
def world() -> WhatIf:
    """A fresh simulated Azure with the default world and an engine, at Mon 2026-01-05 00:00 UTC."""
    return make_world()
