"""The cloud port over real Azure (the official Azure SDK for Python): `AzureCloudProvider`.

Against the simulated Azure's ARM facade: `StaticTokenCredential` with `base_url=` and
`connection_verify=`; against Azure: `azure_credential()` (DefaultAzureCredential).
"""

from spotkeeper.cloud.azure.credentials import StaticTokenCredential, azure_credential
from spotkeeper.cloud.azure.provider import AzureCloudProvider
from spotkeeper.cloud.azure.scheduled_events import (
    FacadeScheduledEvents,
    NoScheduledEvents,
    ScheduledEventsSource,
)

__all__ = [
    "AzureCloudProvider",
    "FacadeScheduledEvents",
    "NoScheduledEvents",
    "ScheduledEventsSource",
    "StaticTokenCredential",
    "azure_credential",
]
