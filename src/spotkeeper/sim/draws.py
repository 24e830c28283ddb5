"""Counter-based random draws for the simulated Azure.

The market, latency model and fault plan must give the same answer to the same question no
matter which questions were asked before (the backend asks only about the markets it uses, in
whatever order its event queue dictates). A shared `random.Random` would make every answer
depend on the query history, so instead every draw is a hash: the uniform numbers for
(seed, "waves", "eastus", "1", "standard_d2s_v5", 412) are always the same and independent of
any other key. BLAKE2b is in the standard library, fast for short keys, and well mixed.
"""

from __future__ import annotations

import hashlib
import math
from statistics import NormalDist

_UNIT = 2.0**-53
_STANDARD_NORMAL = NormalDist()


def uniforms(n: int, *key: object) -> tuple[float, ...]:
    """`n` (1..8) independent uniforms in the open interval (0, 1), a pure function of `key`."""
    _check_count(n)
    return _to_uniforms(hashlib.blake2b(_encode(key), digest_size=8 * n).digest(), n)


class SharedPrefixDraws:
    """`uniforms(n, *prefix, suffix)` for many suffixes, hashing the prefix once.

    An eviction wave decides the fate of every VM in its market: the wave's identity is the
    prefix and the VM the suffix. The values equal those of `uniforms` for the full key.
    """

    __slots__ = ("_hasher", "_n")

    def __init__(self, n: int, *prefix: object) -> None:
        _check_count(n)
        self._n = n
        self._hasher = hashlib.blake2b(_encode(prefix) + _SEPARATOR, digest_size=8 * n)

    def uniforms(self, suffix: str) -> tuple[float, ...]:
        hasher = self._hasher.copy()
        hasher.update(suffix.encode())
        return _to_uniforms(hasher.digest(), self._n)


_SEPARATOR = b"\x1f"


def _encode(key: tuple[object, ...]) -> bytes:
    return "\x1f".join(str(part) for part in key).encode()


def _check_count(n: int) -> None:
    if not 1 <= n <= 8:
        raise ValueError(f"uniforms: n must be 1..8, got {n}")


def _to_uniforms(digest: bytes, n: int) -> tuple[float, ...]:
    # 53 high bits per 8 bytes, shifted half a step so neither 0 nor 1 can come out (log-safe).
    return tuple(((int.from_bytes(digest[8 * i : 8 * i + 8], "big") >> 11) + 0.5) * _UNIT for i in range(n))


def uniform(*key: object) -> float:
    """One uniform in (0, 1) for `key`."""
    return uniforms(1, *key)[0]


def standard_normal(u: float) -> float:
    """The standard normal quantile of a uniform in (0, 1)."""
    return _STANDARD_NORMAL.inv_cdf(u)


def poisson(mean: float, u: float) -> int:
    """The Poisson(`mean`) count whose CDF first reaches `u` (inverse-CDF sampling).

    Means here are small (expected events per time bucket, well under 20), so the linear walk
    is exact and cheap.
    """
    if mean <= 0.0:
        return 0
    term = math.exp(-mean)
    cumulative = term
    count = 0
    while u > cumulative and count < 10_000:
        count += 1
        term *= mean / count
        cumulative += term
        if term == 0.0:  # the tail underflowed; anything beyond is unreachable in float arithmetic
            break
    return count
