"""Alembic migrations for the store, shipped in the package and run by `upgrade_to_head`."""
