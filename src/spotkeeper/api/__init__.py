"""The HTTP door: Spot-compatible stateful-node routes and spotkeeper's own, over `NodeService`."""

from spotkeeper.api.app import create_app

__all__ = ["create_app"]
