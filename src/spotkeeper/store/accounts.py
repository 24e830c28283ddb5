"""Accounts (`act-` ids, the tenant every node belongs to) and the API tokens that act for them.

A token is shown to its owner once, when created; the database keeps only its SHA-256 digest.
A plain, unsalted, fast hash is the right tool here, unlike for passwords: slow salted hashes
(bcrypt, argon2) exist to make guessing *low-entropy* human secrets expensive. Our tokens are
32 random bytes from `secrets` (256 bits), so a stolen digest cannot be reversed by guessing at
any hash speed, and a salt would add nothing (no two tokens share a value, and there is no
dictionary to precompute). A deterministic digest is also what lets a request's token be found
with one indexed lookup instead of a scan that verifies every stored hash.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, bindparam, or_, select, update
from sqlalchemy.sql.elements import ColumnElement

from spotkeeper.store.database import Database
from spotkeeper.store.records import (
    LAST_USED_RESOLUTION,
    Account,
    TokenHolder,
    TokenRecord,
    UnknownRecordError,
    check_id,
    new_id,
    require_utc,
)
from spotkeeper.store.tables import AccountRow, ApiTokenRow

TOKEN_PREFIX = "skt_"  # makes a leaked token recognisable to secret scanners and to people
TOKEN_BYTES = 32

# Built once: authentication runs on every request.
_TOKEN_HOLDER = (
    select(ApiTokenRow.id, ApiTokenRow.last_used_at, AccountRow.id, AccountRow.name, AccountRow.created_at)
    .join(AccountRow, AccountRow.id == ApiTokenRow.account_id)
    .where(ApiTokenRow.token_hash == bindparam("token_hash"), ApiTokenRow.revoked.is_(False))
)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _account(row: AccountRow) -> Account:
    return Account(id=row.id, name=row.name, created_at=row.created_at)


def _token(row: ApiTokenRow) -> TokenRecord:
    return TokenRecord(
        id=row.id,
        account_id=row.account_id,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked=row.revoked,
    )


class AccountRepository:
    def __init__(self, database: Database) -> None:
        self._db = database

    def create(self, name: str, *, now: datetime, account_id: str | None = None) -> Account:
        if not name or not name.strip():
            raise ValueError("account name must be a non-empty string")
        row = AccountRow(
            id=check_id(account_id, prefix="act", field="account_id") if account_id else new_id("act"),
            name=name.strip(),
            created_at=require_utc(now, field="now"),
        )
        with self._db.session_scope(write=True) as session:
            if session.get(AccountRow, row.id) is not None:
                raise ValueError(f"account id {row.id!r} is already taken")
            session.add(row)
            session.flush()
            return _account(row)

    def get(self, account_id: str) -> Account | None:
        with self._db.session_scope() as session:
            row = session.get(AccountRow, account_id)
            return None if row is None else _account(row)

    def find(self) -> list[Account]:
        """Every account, oldest first."""
        with self._db.session_scope() as session:
            rows = session.scalars(select(AccountRow).order_by(AccountRow.created_at, AccountRow.id))
            return [_account(row) for row in rows]

    def create_token(self, account_id: str, *, now: datetime) -> str:
        """A new API token for the account. The plaintext is returned here and never again."""
        now = require_utc(now, field="now")
        token = TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
        with self._db.session_scope(write=True) as session:
            if session.get(AccountRow, account_id) is None:
                raise UnknownRecordError(f"account {account_id!r} does not exist")
            session.add(
                ApiTokenRow(
                    id=new_id("tok"),
                    token_hash=hash_token(token),
                    account_id=account_id,
                    created_at=now,
                    last_used_at=None,
                    revoked=False,
                )
            )
        return token

    def account_for_token(self, token: str, *, now: datetime | None = None) -> Account | None:
        """The account a live token acts for; None for unknown or revoked tokens.

        Given `now`, the token's `last_used_at` is refreshed (at most once a minute).
        """
        holder = self.token_holder(token)
        if holder is None:
            return None
        if now is not None and holder.use_is_stale(require_utc(now, field="now")):
            self.record_use(holder.token_id, now=now)
        return holder.account

    def token_holder(self, token: str) -> TokenHolder | None:
        """Who a live token acts for, read without writing anything (None: unknown or revoked).

        Authentication runs on every request; a write transaction there would serialise all
        requests on SQLite's one write lock. The use is recorded apart (`record_use`), and only
        when `TokenHolder.use_is_stale`.
        """
        if not token:
            return None
        with self._db.read_connection() as connection:
            found = connection.execute(_TOKEN_HOLDER, {"token_hash": hash_token(token)}).one_or_none()
        if found is None:
            return None
        token_id, last_used_at, account_id, name, created_at = found
        account = Account(id=account_id, name=name, created_at=created_at)
        return TokenHolder(account=account, token_id=token_id, last_used_at=last_used_at)

    def record_use(self, token_id: str, *, now: datetime) -> bool:
        """Set the token's `last_used_at` to `now` unless a use within the last minute is already
        recorded (so callers racing on a stale token write once). True if it wrote."""
        now = require_utc(now, field="now")
        with self._db.session_scope(write=True) as session:
            result = session.execute(
                update(ApiTokenRow)
                .where(
                    ApiTokenRow.id == token_id,
                    or_(
                        ApiTokenRow.last_used_at.is_(None),
                        ApiTokenRow.last_used_at <= now - LAST_USED_RESOLUTION,
                    ),
                )
                .values(last_used_at=now)
                .execution_options(synchronize_session=False)
            )
            return cast(CursorResult[Any], result).rowcount == 1

    def list_tokens(self, account_id: str) -> list[TokenRecord]:
        with self._db.session_scope() as session:
            rows = session.scalars(
                select(ApiTokenRow)
                .where(ApiTokenRow.account_id == account_id)
                .order_by(ApiTokenRow.created_at, ApiTokenRow.id)
            )
            return [_token(row) for row in rows]

    def revoke_token(self, token: str) -> bool:
        """Revoke by plaintext; False if no live token matches."""
        return self._revoke(ApiTokenRow.token_hash == hash_token(token))

    def revoke_token_id(self, token_id: str) -> bool:
        """Revoke by token id (as listed by `list_tokens`); False if no live token matches."""
        return self._revoke(ApiTokenRow.id == token_id)

    def _revoke(self, condition: ColumnElement[bool]) -> bool:
        with self._db.session_scope(write=True) as session:
            result = session.execute(
                update(ApiTokenRow)
                .where(condition, ApiTokenRow.revoked.is_(False))
                .values(revoked=True)
                .execution_options(synchronize_session=False)
            )
            return cast(CursorResult[Any], result).rowcount == 1
