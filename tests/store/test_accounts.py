"""Accounts and API tokens: only hashes are stored, lookups work, revoked tokens do not."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from spotkeeper.clock import ManualClock
from spotkeeper.store import Account, Store, UnknownRecordError
from spotkeeper.store.accounts import hash_token
from spotkeeper.store.tables import ApiTokenRow


def test_accounts_get_act_ids_and_can_be_read_back(store: Store, clock: ManualClock) -> None:
    account = store.accounts.create("  acme  ", now=clock.now())
    assert account.id.startswith("act-") and len(account.id) == 12
    assert account.name == "acme"
    assert store.accounts.get(account.id) == account
    assert store.accounts.get("act-00000000") is None


def test_an_empty_account_name_is_refused(store: Store, clock: ManualClock) -> None:
    with pytest.raises(ValueError, match="account name"):
        store.accounts.create(" ", now=clock.now())


def test_a_token_finds_its_account_and_only_its_hash_is_stored(
    store: Store, account: Account, clock: ManualClock
) -> None:
    token = store.accounts.create_token(account.id, now=clock.now())
    assert store.accounts.account_for_token(token) == account
    with store.database.session_scope() as session:
        stored = session.scalars(select(ApiTokenRow)).all()
    assert [row.token_hash for row in stored] == [hash_token(token)]
    columns = [str(getattr(row, c.key)) for row in stored for c in ApiTokenRow.__table__.columns]
    assert not any(token in value for value in columns)


def test_tokens_are_unique_and_high_entropy(store: Store, account: Account, clock: ManualClock) -> None:
    tokens = {store.accounts.create_token(account.id, now=clock.now()) for _ in range(5)}
    assert len(tokens) == 5
    assert all(len(t) >= 40 for t in tokens)


def test_unknown_and_revoked_tokens_find_no_account(
    store: Store, account: Account, clock: ManualClock
) -> None:
    token = store.accounts.create_token(account.id, now=clock.now())
    kept = store.accounts.create_token(account.id, now=clock.now())
    assert store.accounts.account_for_token("skt_not-a-real-token") is None
    assert store.accounts.account_for_token("") is None
    assert store.accounts.revoke_token(token)
    assert not store.accounts.revoke_token(token)  # already revoked
    assert store.accounts.account_for_token(token) is None
    assert store.accounts.account_for_token(kept) == account


def test_tokens_can_be_listed_and_revoked_by_id(store: Store, account: Account, clock: ManualClock) -> None:
    token = store.accounts.create_token(account.id, now=clock.now())
    (listed,) = store.accounts.list_tokens(account.id)
    assert (listed.account_id, listed.revoked, listed.last_used_at) == (account.id, False, None)
    assert store.accounts.revoke_token_id(listed.id)
    assert store.accounts.list_tokens(account.id)[0].revoked
    assert store.accounts.account_for_token(token) is None


def test_use_is_recorded_at_most_once_a_minute(store: Store, account: Account, clock: ManualClock) -> None:
    token = store.accounts.create_token(account.id, now=clock.now())
    first_use = clock.advance(10)
    store.accounts.account_for_token(token, now=first_use)
    clock.advance(30)
    store.accounts.account_for_token(token, now=clock.now())
    assert store.accounts.list_tokens(account.id)[0].last_used_at == first_use
    later = clock.advance(timedelta(minutes=1))
    store.accounts.account_for_token(token, now=later)
    assert store.accounts.list_tokens(account.id)[0].last_used_at == later


def test_a_token_holder_is_read_without_recording_anything(
    store: Store, account: Account, clock: ManualClock
) -> None:
    token = store.accounts.create_token(account.id, now=clock.now())
    holder = store.accounts.token_holder(token)
    assert holder is not None and holder.account == account and holder.last_used_at is None
    assert holder.use_is_stale(clock.now())
    assert store.accounts.list_tokens(account.id)[0].last_used_at is None
    assert store.accounts.token_holder("skt_not-a-real-token") is None
    assert store.accounts.token_holder("") is None


def test_callers_racing_to_record_a_use_write_it_once(
    store: Store, account: Account, clock: ManualClock
) -> None:
    token = store.accounts.create_token(account.id, now=clock.now())
    holder = store.accounts.token_holder(token)
    assert holder is not None
    used = clock.advance(5)
    assert store.accounts.record_use(holder.token_id, now=used)
    assert not store.accounts.record_use(holder.token_id, now=clock.advance(20))  # within the minute
    refreshed = store.accounts.token_holder(token)
    assert refreshed is not None and refreshed.last_used_at == used
    assert not refreshed.use_is_stale(clock.now())
    assert refreshed.use_is_stale(clock.advance(timedelta(minutes=1)))


def test_a_token_for_an_unknown_account_is_refused(store: Store, clock: ManualClock) -> None:
    with pytest.raises(UnknownRecordError, match="act-00000000"):
        store.accounts.create_token("act-00000000", now=clock.now())
