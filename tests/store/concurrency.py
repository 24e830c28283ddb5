"""Run callables at the same moment on real threads (each store call takes its own connection)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence


def run_together(actions: Sequence[Callable[[], None]], *, timeout: float = 60.0) -> list[BaseException]:
    """Start every action behind one barrier and wait; returns the exceptions they raised.

    Threads are daemons and a thread still running after `timeout` fails the test, so a
    deadlock shows up as a failure instead of a hung test run.
    """
    barrier = threading.Barrier(len(actions))
    errors: list[BaseException] = []

    def run(action: Callable[[], None]) -> None:
        try:
            barrier.wait()
            action()
        except BaseException as exc:  # handed back to the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(action,), daemon=True) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    stuck = sum(thread.is_alive() for thread in threads)
    assert stuck == 0, f"{stuck} of {len(threads)} threads still running after {timeout} s (deadlock?)"
    return errors
