"""Each API test gets its own spotkeeper: store, simulated Azure, service, app and worker."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.api.support import ApiWorld


@pytest.fixture
def world() -> Iterator[ApiWorld]:
    built = ApiWorld()
    yield built
    built.close()
