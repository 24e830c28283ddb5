"""Advanced: scheduled tasks (5-field UTC cron), base64 scripts within Azure's limits,
extensions and their Key Vault references, and tags within Azure's limits."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from tests.factories import valid_node, with_path
from tests.unit.rules_support import assert_no_problem, assert_problem

LAUNCH = "compute.launchSpecification"
TASKS = "scheduling.tasks"
VAULT_ID = (
    "/subscriptions/1234-1234-1234/resourceGroups/rg_test/providers/Microsoft.KeyVault/vaults/testKeyVault"
)
SECRET_URL = "https://testKeyVault.vault.azure.net/secrets/SecretTest/123456"


def extension(**fields: Any) -> dict[str, Any]:
    return {
        "name": "extensionName",
        "type": "customScript",
        "publisher": "Microsoft.Azure.Extensions",
        "apiVersion": "2.0",
        "minorVersionAutoUpgrade": True,
        **fields,
    }


# ----------------------------------------------------------------------------- scheduling


@pytest.mark.parametrize(
    "cron",
    ["0 20 * * 1-5 2026", "0 0 20 * * 1-5", "0 20 * *", "61 20 * * *", "@daily", "0 0 30 2 *", "every day"],
)
def test_a_cron_expression_must_be_a_usable_five_field_expression(cron: str) -> None:
    raw = with_path(valid_node(), f"{TASKS}[1].cronExpression", cron)
    assert_problem(raw, "INVALID_CRON", f"{TASKS}[1].cronExpression")


@pytest.mark.parametrize("cron", ["0 20 * * 1-5", "*/15 * * * *", "30 6 1 1,7 *", "0 0 * * SUN"])
def test_five_field_cron_expressions_pass(cron: str) -> None:
    assert_no_problem(with_path(valid_node(), f"{TASKS}[0].cronExpression", cron), "INVALID_CRON")


def test_a_task_missing_its_cron_expression_is_refused_by_the_parser() -> None:
    raw = with_path(valid_node(), TASKS, [{"isEnabled": True, "type": "recycle"}])
    assert_problem(raw, "REQUIRED", f"{TASKS}[0].cronExpression")


def test_a_task_of_an_unknown_type_is_refused_by_the_parser() -> None:
    raw = with_path(valid_node(), f"{TASKS}[0].type", "reboot")
    assert_problem(raw, "INVALID_VALUE", f"{TASKS}[0].type")


def test_a_resume_task_without_a_pause_task_warns() -> None:
    raw = with_path(valid_node(), f"{TASKS}[0].isEnabled", False)
    assert_problem(raw, "RESUME_WITHOUT_PAUSE", f"{TASKS}[1].type", severity="warning")


def test_a_resume_task_with_a_pause_task_does_not_warn() -> None:
    assert_no_problem(valid_node(), "RESUME_WITHOUT_PAUSE")


# ----------------------------------------------------------------------------- scripts


@pytest.mark.parametrize("key", ["customData", "userData", "shutdownScript"])
def test_scripts_must_be_base64(key: str) -> None:
    raw = with_path(valid_node(), f"{LAUNCH}.{key}", "#!/bin/bash\necho hi")
    assert_problem(raw, "INVALID_BASE64", f"{LAUNCH}.{key}")


@pytest.mark.parametrize("key", ["customData", "userData", "shutdownScript"])
def test_base64_scripts_pass_even_when_line_wrapped(key: str) -> None:
    encoded = base64.encodebytes(b"#!/bin/bash\n" + b"echo hello world\n" * 10).decode()
    assert "\n" in encoded.strip()
    assert_no_problem(with_path(valid_node(), f"{LAUNCH}.{key}", encoded), "INVALID_BASE64")


def _encoded(size: int) -> str:
    return base64.b64encode(b"x" * size).decode()


@pytest.mark.parametrize("key", ["customData", "shutdownScript"])
def test_custom_data_and_shutdown_script_decode_to_at_most_65535_bytes(key: str) -> None:
    raw = with_path(valid_node(), f"{LAUNCH}.{key}", _encoded(65_536))
    assert_problem(raw, "TOO_LARGE", f"{LAUNCH}.{key}")
    assert_no_problem(with_path(valid_node(), f"{LAUNCH}.{key}", _encoded(65_535)), "TOO_LARGE")


def test_user_data_is_at_most_64_kb_of_base64() -> None:
    raw = with_path(valid_node(), f"{LAUNCH}.userData", _encoded(49_152 + 3))  # 65,540 base64 characters
    assert_problem(raw, "TOO_LARGE", f"{LAUNCH}.userData")
    assert_no_problem(with_path(valid_node(), f"{LAUNCH}.userData", _encoded(49_152)), "TOO_LARGE")


# ----------------------------------------------------------------------------- extensions


def test_the_seed_extension_example_is_valid() -> None:
    seed = extension(
        publicSettings={},
        protectedSettings={},
        enableAutomaticUpgrade=False,
        protectedSettingsFromKeyVault={"sourceVault": VAULT_ID, "secretUrl": SECRET_URL},
    )
    assert_no_problem(with_path(valid_node(), f"{LAUNCH}.extensions", [seed]), "PROTECTED_SETTINGS_CONFLICT")


def test_an_extension_missing_one_of_its_five_keys_is_refused_by_the_parser() -> None:
    broken = extension()
    del broken["apiVersion"]
    assert_problem(
        with_path(valid_node(), f"{LAUNCH}.extensions", [broken]),
        "REQUIRED",
        f"{LAUNCH}.extensions[0].apiVersion",
    )


def test_a_blank_extension_publisher_is_an_error() -> None:
    raw = with_path(valid_node(), f"{LAUNCH}.extensions", [extension(publisher="")])
    assert_problem(raw, "REQUIRED", f"{LAUNCH}.extensions[0].publisher")


def test_extension_names_are_unique() -> None:
    raw = with_path(valid_node(), f"{LAUNCH}.extensions", [extension(), extension(type="other")])
    assert_problem(raw, "DUPLICATE_EXTENSION", f"{LAUNCH}.extensions[1].name")


def test_inline_and_key_vault_protected_settings_together_are_an_error() -> None:
    both = extension(
        protectedSettings={"commandToExecute": "bash y.sh"},
        protectedSettingsFromKeyVault={"sourceVault": VAULT_ID, "secretUrl": SECRET_URL},
    )
    raw = with_path(valid_node(), f"{LAUNCH}.extensions", [both])
    assert_problem(
        raw, "PROTECTED_SETTINGS_CONFLICT", f"{LAUNCH}.extensions[0].protectedSettingsFromKeyVault"
    )


@pytest.mark.parametrize(
    "source",
    [
        "testKeyVault",
        "/subscriptions/1234/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/acct",
        "/subscriptions/1234/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/ testKeyVault",
        "/subscriptions/1234/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv",
    ],
)
def test_source_vault_must_be_a_key_vault_resource_id(source: str) -> None:
    ext = extension(protectedSettingsFromKeyVault={"sourceVault": source, "secretUrl": SECRET_URL})
    raw = with_path(valid_node(), f"{LAUNCH}.extensions", [ext])
    assert_problem(
        raw, "INVALID_KEY_VAULT_ID", f"{LAUNCH}.extensions[0].protectedSettingsFromKeyVault.sourceVault"
    )


@pytest.mark.parametrize(
    "url",
    [
        "http://testKeyVault.vault.azure.net/secrets/SecretTest/123456",
        "https://testKeyVault.blob.core.windows.net/secrets/SecretTest",
        "https://testKeyVault.vault.azure.net/keys/SecretTest/123456",
        "https://testKeyVault.vault.azure.net/secrets/",
    ],
)
def test_secret_url_must_be_a_key_vault_secret_url(url: str) -> None:
    ext = extension(protectedSettingsFromKeyVault={"sourceVault": VAULT_ID, "secretUrl": url})
    raw = with_path(valid_node(), f"{LAUNCH}.extensions", [ext])
    assert_problem(
        raw, "INVALID_SECRET_URL", f"{LAUNCH}.extensions[0].protectedSettingsFromKeyVault.secretUrl"
    )


def test_the_secret_must_live_in_the_source_vault() -> None:
    url = "https://otherVault.vault.azure.net/secrets/SecretTest"
    ext = extension(protectedSettingsFromKeyVault={"sourceVault": VAULT_ID, "secretUrl": url})
    raw = with_path(valid_node(), f"{LAUNCH}.extensions", [ext])
    assert_problem(
        raw, "KEY_VAULT_MISMATCH", f"{LAUNCH}.extensions[0].protectedSettingsFromKeyVault.secretUrl"
    )


@pytest.mark.parametrize("missing", ["sourceVault", "secretUrl"])
def test_a_key_vault_reference_needs_both_fields(missing: str) -> None:
    reference = {"sourceVault": VAULT_ID, "secretUrl": SECRET_URL}
    del reference[missing]
    raw = with_path(
        valid_node(), f"{LAUNCH}.extensions", [extension(protectedSettingsFromKeyVault=reference)]
    )
    assert_problem(raw, "REQUIRED", f"{LAUNCH}.extensions[0].protectedSettingsFromKeyVault.{missing}")


# ----------------------------------------------------------------------------- tags


def test_at_most_44_tags() -> None:
    tags = [{"tagKey": f"k{i}", "tagValue": "v"} for i in range(45)]
    assert_problem(with_path(valid_node(), f"{LAUNCH}.tags", tags), "TOO_MANY_TAGS", f"{LAUNCH}.tags")


def test_44_tags_pass() -> None:
    tags = [{"tagKey": f"k{i}", "tagValue": "v"} for i in range(44)]
    assert_no_problem(with_path(valid_node(), f"{LAUNCH}.tags", tags), "TOO_MANY_TAGS")


def test_a_tag_key_over_512_characters_is_an_error() -> None:
    raw = with_path(valid_node(), f"{LAUNCH}.tags", [{"tagKey": "k" * 513, "tagValue": "v"}])
    assert_problem(raw, "TAG_KEY_TOO_LONG", f"{LAUNCH}.tags[0].tagKey")


def test_a_tag_value_over_256_characters_is_an_error() -> None:
    raw = with_path(valid_node(), f"{LAUNCH}.tags", [{"tagKey": "k", "tagValue": "v" * 257}])
    assert_problem(raw, "TAG_VALUE_TOO_LONG", f"{LAUNCH}.tags[0].tagValue")


def test_tags_at_the_length_limits_pass() -> None:
    raw = with_path(valid_node(), f"{LAUNCH}.tags", [{"tagKey": "k" * 512, "tagValue": "v" * 256}])
    assert_no_problem(raw, "TAG_KEY_TOO_LONG")
    assert_no_problem(raw, "TAG_VALUE_TOO_LONG")


@pytest.mark.parametrize("key", ["a<b", "cost%", "x&y", "path/to", "back\\slash", "what?"])
def test_a_tag_key_with_a_forbidden_character_is_an_error(key: str) -> None:
    raw = with_path(valid_node(), f"{LAUNCH}.tags", [{"tagKey": key, "tagValue": "v"}])
    assert_problem(raw, "TAG_KEY_INVALID", f"{LAUNCH}.tags[0].tagKey")


@pytest.mark.parametrize("key", ["Microsoft.Owner", "azure-cost", "windowsTeam", "spotkeeper-node"])
def test_a_tag_key_with_a_reserved_prefix_is_an_error(key: str) -> None:
    raw = with_path(valid_node(), f"{LAUNCH}.tags", [{"tagKey": key, "tagValue": "v"}])
    assert_problem(raw, "TAG_KEY_RESERVED", f"{LAUNCH}.tags[0].tagKey")


def test_tag_keys_are_unique_ignoring_case() -> None:
    tags = [{"tagKey": "Env", "tagValue": "a"}, {"tagKey": "env", "tagValue": "b"}]
    assert_problem(
        with_path(valid_node(), f"{LAUNCH}.tags", tags), "DUPLICATE_TAG_KEY", f"{LAUNCH}.tags[1].tagKey"
    )


def test_a_blank_tag_key_is_an_error() -> None:
    raw = with_path(valid_node(), f"{LAUNCH}.tags", [{"tagKey": " ", "tagValue": "v"}])
    assert_problem(raw, "REQUIRED", f"{LAUNCH}.tags[0].tagKey")


def test_ordinary_tags_pass() -> None:
    assert_no_problem(valid_node(), "DUPLICATE_TAG_KEY")
