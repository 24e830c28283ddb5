"""spotkeeper: a self-hosted control plane for stateful nodes on Azure Spot VMs.

A stateful node is one long-lived server whose OS disk, data disks, IPs and VM name survive
the replacement of its VM. See README.md for the tour and DESIGN (in the docs) for the map.
"""

__version__ = "0.1.0"
