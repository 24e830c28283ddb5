"""Login: Azure's user-name and password rules, SSH keys, and which OS takes what. No message
about a password may repeat the password."""

from __future__ import annotations

import base64

import pytest

from spotkeeper.spec.rules.login import ssh_key_problem
from tests.factories import SSH_PUBLIC_KEY, valid_node, windows_node, with_path, without_path
from tests.unit.rules_support import all_problems, assert_no_problem, assert_problem, report_for

LOGIN = "compute.launchSpecification.login"


def _ssh_string(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


def rsa_key(bits: int) -> str:
    """An OpenSSH ssh-rsa line whose modulus has `bits` bits (shape only; not a usable key)."""
    modulus = (1 << (bits - 1)) | 1
    n = b"\x00" + modulus.to_bytes(bits // 8, "big")
    blob = _ssh_string(b"ssh-rsa") + _ssh_string(b"\x01\x00\x01") + _ssh_string(n)
    return "ssh-rsa " + base64.b64encode(blob).decode() + " someone@example"


def test_a_generalized_image_needs_a_login() -> None:
    assert_problem(without_path(valid_node(), LOGIN), "LOGIN_REQUIRED", LOGIN)


def test_a_login_needs_a_user_name() -> None:
    raw = without_path(valid_node(), f"{LOGIN}.userName")
    assert_problem(raw, "REQUIRED", f"{LOGIN}.userName")


@pytest.mark.parametrize("name", ["admin", "Administrator", "root", "support_388945a0", "1", "user5"])
def test_a_reserved_user_name_is_an_error(name: str) -> None:
    raw = with_path(valid_node(), f"{LOGIN}.userName", name)
    assert_problem(raw, "USER_NAME_RESERVED", f"{LOGIN}.userName")


def test_an_ordinary_user_name_passes() -> None:
    assert_no_problem(valid_node(), "USER_NAME_RESERVED")


def test_a_linux_user_name_over_64_characters_is_an_error() -> None:
    raw = with_path(valid_node(), f"{LOGIN}.userName", "u" * 65)
    assert_problem(raw, "USER_NAME_TOO_LONG", f"{LOGIN}.userName")


def test_a_windows_user_name_over_20_characters_is_an_error() -> None:
    raw = with_path(windows_node(), f"{LOGIN}.userName", "u" * 21)
    assert_problem(raw, "USER_NAME_TOO_LONG", f"{LOGIN}.userName")


def test_a_20_character_windows_user_name_passes() -> None:
    assert_no_problem(with_path(windows_node(), f"{LOGIN}.userName", "u" * 20), "USER_NAME_TOO_LONG")


@pytest.mark.parametrize("name", ["9lives", "-dash", "has space", "dot.ted", "sémi"])
def test_a_badly_formed_linux_user_name_is_an_error(name: str) -> None:
    raw = with_path(valid_node(), f"{LOGIN}.userName", name)
    assert_problem(raw, "USER_NAME_INVALID", f"{LOGIN}.userName")


@pytest.mark.parametrize("name", ["ops@corp", "a/b", "trailing.", "semi;colon"])
def test_a_badly_formed_windows_user_name_is_an_error(name: str) -> None:
    raw = with_path(windows_node(), f"{LOGIN}.userName", name)
    assert_problem(raw, "USER_NAME_INVALID", f"{LOGIN}.userName")


def test_a_windows_user_name_with_a_period_inside_passes() -> None:
    assert_no_problem(with_path(windows_node(), f"{LOGIN}.userName", "sk.admin"), "USER_NAME_INVALID")


# ----------------------------------------------------------------------------- credentials


def test_a_linux_login_needs_a_key_or_a_password() -> None:
    raw = without_path(valid_node(), f"{LOGIN}.sshPublicKey")
    assert_problem(raw, "CREDENTIAL_REQUIRED", LOGIN)


def test_a_linux_login_with_only_a_password_passes() -> None:
    raw = with_path(without_path(valid_node(), f"{LOGIN}.sshPublicKey"), f"{LOGIN}.password", "Sk-Linux-pw9")
    assert_no_problem(raw, "CREDENTIAL_REQUIRED")


def test_a_windows_login_needs_a_password() -> None:
    raw = without_path(windows_node(), f"{LOGIN}.password")
    assert_problem(raw, "PASSWORD_REQUIRED", f"{LOGIN}.password")


def test_a_windows_login_takes_no_ssh_key() -> None:
    raw = with_path(windows_node(), f"{LOGIN}.sshPublicKey", SSH_PUBLIC_KEY)
    assert_problem(raw, "SSH_KEY_NOT_SUPPORTED", f"{LOGIN}.sshPublicKey")


def test_a_windows_login_with_a_password_passes() -> None:
    assert_no_problem(windows_node(), "PASSWORD_REQUIRED")


@pytest.mark.parametrize(
    "key",
    [
        "33a2s1f3g5a1df5g1ad3f2g1adfg56dfg==",
        "ssh-dss AAAAB3NzaC1kc3MAAACBAP",
        "ssh-ed25519 not*base64",
        "ssh-ed25519 " + base64.b64encode(_ssh_string(b"ssh-rsa") + _ssh_string(b"x" * 32)).decode(),
        "ssh-ed25519 " + base64.b64encode(_ssh_string(b"ssh-ed25519") + _ssh_string(b"x" * 16)).decode(),
        rsa_key(1024),
    ],
)
def test_a_key_azure_would_refuse_is_an_error(key: str) -> None:
    raw = with_path(valid_node(), f"{LOGIN}.sshPublicKey", key)
    assert_problem(raw, "SSH_KEY_INVALID", f"{LOGIN}.sshPublicKey")


@pytest.mark.parametrize("key", [SSH_PUBLIC_KEY, rsa_key(2048), rsa_key(4096).rsplit(" ", 1)[0]])
def test_ed25519_and_rsa_2048_keys_pass(key: str) -> None:
    assert ssh_key_problem(key) is None
    assert_no_problem(with_path(valid_node(), f"{LOGIN}.sshPublicKey", key), "SSH_KEY_INVALID")


def test_a_short_rsa_key_is_reported_with_its_size() -> None:
    assert ssh_key_problem(rsa_key(1024)) == "the RSA key has 1024 bits; Azure needs at least 2048"


# ----------------------------------------------------------------------------- passwords


@pytest.mark.parametrize(
    ("build", "password"),
    [(windows_node, "Sk-p4!"), (windows_node, "Aa1!" * 31), (valid_node, "Ab1!x"), (valid_node, "Aa1!" * 19)],
)
def test_a_password_outside_the_os_length_limits_is_an_error(build: object, password: str) -> None:
    raw = with_path(build(), f"{LOGIN}.password", password)  # type: ignore[operator]
    problem = assert_problem(raw, "PASSWORD_LENGTH", f"{LOGIN}.password")
    assert password not in problem.message


def test_a_six_character_linux_password_passes_the_length_rule() -> None:
    assert_no_problem(with_path(valid_node(), f"{LOGIN}.password", "Ab1!xy"), "PASSWORD_LENGTH")


@pytest.mark.parametrize("password", ["alllowercase", "ALLUPPER123", "lower1234567"])
def test_a_password_with_fewer_than_three_character_kinds_is_an_error(password: str) -> None:
    raw = with_path(windows_node(), f"{LOGIN}.password", password)
    problem = assert_problem(raw, "PASSWORD_TOO_SIMPLE", f"{LOGIN}.password")
    assert password not in problem.message


@pytest.mark.parametrize("password", ["lowerUPPER12", "lower_case_12", "UPPER#case"])
def test_three_of_four_character_kinds_pass(password: str) -> None:
    assert_no_problem(with_path(windows_node(), f"{LOGIN}.password", password), "PASSWORD_TOO_SIMPLE")


@pytest.mark.parametrize("password", ["P@ssw0rd", "Password1", "P@$$w0rd", "iloveyou!"])
def test_a_password_on_azures_banned_list_is_an_error(password: str) -> None:
    raw = with_path(windows_node(), f"{LOGIN}.password", password)
    problem = assert_problem(raw, "PASSWORD_DISALLOWED", f"{LOGIN}.password")
    assert password not in problem.message


def test_no_problem_in_the_report_repeats_the_password() -> None:
    secret = "a" * 130
    raw = with_path(windows_node(), f"{LOGIN}.password", secret)
    problems = all_problems(report_for(raw))
    assert {p.code for p in problems} >= {"PASSWORD_LENGTH", "PASSWORD_TOO_SIMPLE"}
    assert all(secret not in p.message for p in problems)


def test_a_good_password_passes_every_password_rule() -> None:
    raw = windows_node()
    report = report_for(raw)
    assert not [p for p in report.errors if p.field == f"{LOGIN}.password"]
