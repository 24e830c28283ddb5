"""Create rules of the wizard's Advanced step: scheduled tasks, scripts, extensions and tags.

Limits used, and where they come from:
- Scheduling (spot-api.md §3.5): tasks `pause`/`resume`/`recycle` with a 5-field cron
  expression in UTC (minute hour day-of-month month day-of-week). Six-field forms (seconds or
  years) and `@daily`-style nicknames are refused so every door reads a schedule the same way;
  `croniter` checks the fields and that the expression ever fires (`0 0 30 2 *` never does).
  A resume task without any pause task is a warning: the node is never paused by the schedule,
  so resuming it does nothing unless someone pauses it by hand.
- `customData`: base64; Azure decodes it to at most 65,535 bytes (`OSProfile.customData`).
- `userData`: base64; Azure limits it to 64 KB. We apply that to the base64 text (65,536
  characters), the stricter reading of Azure's "The size can't exceed 64 KB".
- `shutdownScript`: base64. Spot documents no limit; we apply customData's 65,535 decoded bytes
  so a script that fits one fits the other.
- Extensions (§3.3.1): name, type, publisher, apiVersion, minorVersionAutoUpgrade required (the
  model checks presence; blank strings are caught here); names unique; protected settings come
  either inline or from Key Vault, not both (an empty inline object, which the SDK example
  sends next to a Key Vault reference, counts as absent). `sourceVault` is an ARM Key Vault id
  `/subscriptions/{id}/resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults/{name}` and
  `secretUrl` an `https://{vault}.vault.azure.net/secrets/{name}[/{version}]` URL of that vault.
- Tags: at most 44 (spot-api.md §3.3.1 says Spot allows 44; Azure's own limit is 50 per
  resource, the rest being left for the service's tags). Azure: names at most 512 characters
  and free of `< > % & \\ ? /`, values at most 256 characters, names compared case-insensitively,
  and the prefixes `microsoft`, `azure`, `windows` reserved. We also reserve `spotkeeper-`,
  the prefix of the tags spotkeeper puts on every resource to find what belongs to a node.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from datetime import UTC, datetime

from croniter import CroniterBadDateError, croniter

from spotkeeper.spec.problems import Problem
from spotkeeper.spec.rules.context import LAUNCH, Rule, RuleContext, at, error, is_blank, warning

CUSTOM_DATA_MAX_BYTES = 65_535
USER_DATA_MAX_CHARS = 65_536
SHUTDOWN_SCRIPT_MAX_BYTES = 65_535
TAGS_MAX = 44
TAG_KEY_MAX = 512
TAG_VALUE_MAX = 256
TAG_KEY_FORBIDDEN = set("<>%&\\?/")
RESERVED_TAG_PREFIXES = ("microsoft", "azure", "windows", "spotkeeper-")

_VAULT_NAME = r"[A-Za-z](?:[A-Za-z0-9]|-(?!-)){1,22}[A-Za-z0-9]"
_VAULT_ID = re.compile(
    rf"/subscriptions/[^/\s]+/resourceGroups/[^/\s]+/providers/Microsoft\.KeyVault/vaults/({_VAULT_NAME})",
    re.IGNORECASE,
)
_SECRET_URL = re.compile(
    rf"https://({_VAULT_NAME})\.vault\.azure\.net(?::443)?/secrets/[A-Za-z0-9-]{{1,127}}(?:/[A-Za-z0-9]+)?/?",
    re.IGNORECASE,
)


# ----------------------------------------------------------------------------- scheduling


def check_scheduling(ctx: RuleContext) -> Iterator[Problem]:
    scheduling = ctx.node.scheduling
    tasks = scheduling.tasks if scheduling else None
    if not tasks:
        return
    for i, task in enumerate(tasks):
        field = f"{at('scheduling.tasks', i)}.cronExpression"
        reason = cron_problem(task.cron_expression)
        if reason:
            yield error("INVALID_CRON", field, reason)
    pauses = [task for task in tasks if task.type == "pause" and task.is_enabled]
    for i, task in enumerate(tasks):
        if task.type == "resume" and task.is_enabled and not pauses:
            yield warning(
                "RESUME_WITHOUT_PAUSE",
                f"{at('scheduling.tasks', i)}.type",
                "this resume task has no enabled pause task to undo; it only acts on a node paused by hand",
            )


def cron_problem(expression: str) -> str | None:
    """Why `expression` is not a usable 5-field UTC cron expression, or None."""
    fields = expression.split()
    if len(fields) != 5:
        return (
            f'"{expression}" has {len(fields)} fields; use 5: minute hour day-of-month month day-of-week '
            '(UTC), e.g. "0 20 * * 1-5"'
        )
    if not croniter.is_valid(expression):
        return f'"{expression}" is not a valid cron expression (minute hour day-of-month month day-of-week)'
    try:
        croniter(expression, datetime(2026, 1, 1, tzinfo=UTC)).get_next(datetime)
    except CroniterBadDateError:
        return f'"{expression}" never fires (no such date exists)'
    return None


# ----------------------------------------------------------------------------- scripts


def check_scripts(ctx: RuleContext) -> Iterator[Problem]:
    launch = ctx.node.compute.launch_specification if ctx.node.compute else None
    if launch is None:
        return
    for key, value, limit in (
        ("customData", launch.custom_data, CUSTOM_DATA_MAX_BYTES),
        ("shutdownScript", launch.shutdown_script, SHUTDOWN_SCRIPT_MAX_BYTES),
        ("userData", launch.user_data, None),
    ):
        if value is None:
            continue
        field = f"{LAUNCH}.{key}"
        decoded = _decode(value)
        if decoded is None:
            yield error(
                "INVALID_BASE64",
                field,
                f"{key} must be base64-encoded (encode the script, e.g. `base64 -w0`)",
            )
            continue
        if limit is not None and len(decoded) > limit:
            yield error(
                "TOO_LARGE", field, f"{key} decodes to {len(decoded):,} bytes; Azure takes at most {limit:,}"
            )
        if limit is None and len(value) > USER_DATA_MAX_CHARS:
            yield error(
                "TOO_LARGE",
                field,
                f"userData is {len(value):,} base64 characters; "
                f"Azure takes at most 64 KB ({USER_DATA_MAX_CHARS:,})",
            )


def _decode(value: str) -> bytes | None:
    compact = "".join(value.split())  # line-wrapped base64 (`base64` without -w0) is fine
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        return None


# ----------------------------------------------------------------------------- extensions


def check_extensions(ctx: RuleContext) -> Iterator[Problem]:
    launch = ctx.node.compute.launch_specification if ctx.node.compute else None
    extensions = launch.extensions if launch else None
    names: dict[str, int] = {}
    for i, extension in enumerate(extensions or []):
        base = at(f"{LAUNCH}.extensions", i)
        for key, value in (
            ("name", extension.name),
            ("type", extension.type),
            ("publisher", extension.publisher),
            ("apiVersion", extension.api_version),
        ):
            if is_blank(value):
                yield error("REQUIRED", f"{base}.{key}", f"an extension needs {key}")
        if extension.name.lower() in names:
            yield error(
                "DUPLICATE_EXTENSION",
                f"{base}.name",
                f'extension name "{extension.name}" is already used by '
                f"extensions[{names[extension.name.lower()]}]",
            )
        names.setdefault(extension.name.lower(), i)
        vault = extension.protected_settings_from_key_vault
        if vault is None:
            continue
        if extension.protected_settings:
            yield error(
                "PROTECTED_SETTINGS_CONFLICT",
                f"{base}.protectedSettingsFromKeyVault",
                "give protected settings either inline (protectedSettings) or from Key Vault "
                "(protectedSettingsFromKeyVault), not both",
            )
        yield from _key_vault_reference(
            vault.source_vault, vault.secret_url, f"{base}.protectedSettingsFromKeyVault"
        )


def _key_vault_reference(source: str | None, secret_url: str | None, base: str) -> Iterator[Problem]:
    vault_name: str | None = None
    if is_blank(source):
        yield error(
            "REQUIRED",
            f"{base}.sourceVault",
            "a Key Vault reference needs sourceVault (the vault's resource id)",
        )
    else:
        assert source is not None
        match = _VAULT_ID.fullmatch(source.strip())
        if match is None:
            yield error(
                "INVALID_KEY_VAULT_ID",
                f"{base}.sourceVault",
                "sourceVault must be a Key Vault resource id: /subscriptions/{subscription}/resourceGroups/"
                "{group}/providers/Microsoft.KeyVault/vaults/{vault}",
            )
        else:
            vault_name = match.group(1)
    if is_blank(secret_url):
        yield error("REQUIRED", f"{base}.secretUrl", "a Key Vault reference needs secretUrl")
        return
    assert secret_url is not None
    url = _SECRET_URL.fullmatch(secret_url.strip())
    if url is None:
        yield error(
            "INVALID_SECRET_URL",
            f"{base}.secretUrl",
            "secretUrl must be a Key Vault secret URL: https://{vault}.vault.azure.net/secrets/{name}[/{version}]",
        )
    elif vault_name is not None and url.group(1).lower() != vault_name.lower():
        yield error(
            "KEY_VAULT_MISMATCH",
            f"{base}.secretUrl",
            f"the secret is in vault {url.group(1)} but sourceVault names vault {vault_name}; "
            "they must be the same vault",
        )


# ----------------------------------------------------------------------------- tags


def check_tags(ctx: RuleContext) -> Iterator[Problem]:
    launch = ctx.node.compute.launch_specification if ctx.node.compute else None
    tags = launch.tags if launch else None
    if not tags:
        return
    field = f"{LAUNCH}.tags"
    if len(tags) > TAGS_MAX:
        yield error("TOO_MANY_TAGS", field, f"at most {TAGS_MAX} tags are allowed (the node has {len(tags)})")
    seen: dict[str, int] = {}
    for i, tag in enumerate(tags):
        base = at(field, i)
        key = tag.tag_key
        if not key.strip():
            yield error("REQUIRED", f"{base}.tagKey", "a tag needs a non-empty tagKey")
            continue
        if len(key) > TAG_KEY_MAX:
            yield error(
                "TAG_KEY_TOO_LONG", f"{base}.tagKey", f"a tag key may have at most {TAG_KEY_MAX} characters"
            )
        bad = sorted(TAG_KEY_FORBIDDEN.intersection(key))
        if bad:
            yield error(
                "TAG_KEY_INVALID",
                f"{base}.tagKey",
                f"a tag key cannot contain {' '.join(bad)} (Azure forbids < > % & \\ ? /)",
            )
        reserved = next((p for p in RESERVED_TAG_PREFIXES if key.lower().startswith(p)), None)
        if reserved:
            yield error(
                "TAG_KEY_RESERVED", f"{base}.tagKey", f'tag keys starting with "{reserved}" are reserved'
            )
        if key.lower() in seen:
            yield error(
                "DUPLICATE_TAG_KEY",
                f"{base}.tagKey",
                f'tag key "{key}" repeats tags[{seen[key.lower()]}] (Azure tag keys ignore case)',
            )
        seen.setdefault(key.lower(), i)
        if tag.tag_value is not None and len(tag.tag_value) > TAG_VALUE_MAX:
            yield error(
                "TAG_VALUE_TOO_LONG",
                f"{base}.tagValue",
                f"a tag value may have at most {TAG_VALUE_MAX} characters",
            )


RULES: tuple[Rule, ...] = (check_scheduling, check_scripts, check_extensions, check_tags)
