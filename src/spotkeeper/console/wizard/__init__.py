"""The create/edit wizard: the seed's five steps (Basics, Compute, Networking, Advanced, Review)."""

from spotkeeper.console.wizard.page import wizard_page

__all__ = ["wizard_page"]
