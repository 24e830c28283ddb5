"""Read before write: look a resource up, and ask Azure to create it only when it is missing.

The engine creates each of its resources once (names are deterministic per generation), so a
step that is retried, or polled while Azure provisions, should read the resource rather than
send the create again: a repeated PUT is a new write operation in ARM (it restarts
provisioning and counts against the write throttling budget), while a GET is neither.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from spotkeeper.cloud.errors import NotFound

T = TypeVar("T")


def get_or_create(get: Callable[[], T], create: Callable[[], T]) -> T:
    try:
        return get()
    except NotFound:
        return create()
