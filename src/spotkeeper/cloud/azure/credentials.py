"""Credentials for the Azure driver: a real one for Azure, a static one for the ARM facade.

The Azure SDK asks a `TokenCredential` for a bearer token before every request. Against real
Azure that is `DefaultAzureCredential` (environment, workload identity, managed identity, the
Azure CLI login, in that order). The simulated Azure's ARM facade accepts any bearer token, so
tests and `spotkeeper sim serve` use `StaticTokenCredential`, which never talks to Entra ID.
"""

from __future__ import annotations

import time

from azure.core.credentials import AccessToken, AccessTokenInfo, TokenCredential, TokenRequestOptions

# A static token is reissued with a fresh expiry each time, so an hour is only what the SDK's
# token cache sees; it never forces a refresh mid-request.
STATIC_TOKEN_LIFETIME_S = 3600


class StaticTokenCredential:
    """A `TokenCredential` that hands out the same bearer token for every scope (for the ARM
    facade, which checks only that a bearer token is present)."""

    def __init__(self, token: str = "spotkeeper-facade") -> None:
        if not token:
            raise ValueError("a static token must not be empty")
        self._token = token

    def get_token(
        self,
        *scopes: str,
        claims: str | None = None,
        tenant_id: str | None = None,
        enable_cae: bool = False,
        **kwargs: object,
    ) -> AccessToken:
        return AccessToken(self._token, int(time.time()) + STATIC_TOKEN_LIFETIME_S)

    def get_token_info(self, *scopes: str, options: TokenRequestOptions | None = None) -> AccessTokenInfo:
        return AccessTokenInfo(self._token, int(time.time()) + STATIC_TOKEN_LIFETIME_S)

    def close(self) -> None:
        """Nothing to release (the SDK closes credentials it is handed)."""

    def __enter__(self) -> StaticTokenCredential:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def azure_credential() -> TokenCredential:
    """The credential for real Azure: `DefaultAzureCredential` (service principal from
    `AZURE_CLIENT_ID`/`AZURE_TENANT_ID`/`AZURE_CLIENT_SECRET`, workload or managed identity, or
    the Azure CLI login). Imported lazily: azure-identity pulls in MSAL, which the facade and the
    tests never need."""
    from azure.identity import DefaultAzureCredential

    return DefaultAzureCredential()


__all__ = ["STATIC_TOKEN_LIFETIME_S", "StaticTokenCredential", "azure_credential"]
