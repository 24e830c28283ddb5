"""Persistence for spotkeeper: SQLAlchemy 2.0 tables, Alembic migrations, thin repositories.

Use `Store(url)` (or `Store.memory()` in tests) and its repositories; every read returns the
frozen records below, never ORM objects. Concurrency rules live in `nodes.py`.
"""

from spotkeeper.store.database import (
    DATABASE_URL_ENV,
    Database,
    current_revision,
    database_url_from_env,
    default_database_url,
    head_revision,
    normalize_database_url,
    upgrade_to_head,
)
from spotkeeper.store.facade import Store
from spotkeeper.store.records import (
    DELETION_KINDS,
    LIFECYCLES,
    NODE_STATUSES,
    SEVERITIES,
    Account,
    CostFigures,
    DailyCost,
    DeletionKind,
    EventRecord,
    ImportRecord,
    LedgerConflictError,
    LedgerInterval,
    Lifecycle,
    NewEvent,
    NodeRecord,
    PendingDeletion,
    Severity,
    SeverityFilter,
    SizeUsage,
    TokenRecord,
    UnknownRecordError,
)

__all__ = [
    "DATABASE_URL_ENV",
    "DELETION_KINDS",
    "LIFECYCLES",
    "NODE_STATUSES",
    "SEVERITIES",
    "Account",
    "CostFigures",
    "DailyCost",
    "Database",
    "DeletionKind",
    "EventRecord",
    "ImportRecord",
    "LedgerConflictError",
    "LedgerInterval",
    "Lifecycle",
    "NewEvent",
    "NodeRecord",
    "PendingDeletion",
    "Severity",
    "SeverityFilter",
    "SizeUsage",
    "Store",
    "TokenRecord",
    "UnknownRecordError",
    "current_revision",
    "database_url_from_env",
    "default_database_url",
    "head_revision",
    "normalize_database_url",
    "upgrade_to_head",
]
