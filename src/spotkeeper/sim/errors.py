"""Errors of the simulated Azure, in ARM's own terms (HTTP status + ARM error code).

The simulated Azure speaks ARM: its failures carry the code real Azure would return
(`SkuNotAvailable`, `AllocationFailed`, `NicReservedForAnotherVm`, `OperationNotAllowed`…), so
the ARM HTTPS facade can put them on the wire unchanged and `cloud/sim` can map them to the
port's closed error set exactly as `cloud/azure` maps real ones.
"""

from __future__ import annotations


class ArmError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        target: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.target = target
        self.retry_after = retry_after

    def body(self) -> dict[str, object]:
        error: dict[str, object] = {"code": self.code, "message": self.message}
        if self.target:
            error["target"] = self.target
        return {"error": error}
