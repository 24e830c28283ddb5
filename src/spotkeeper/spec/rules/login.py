"""Create rules for the VM's administrator login, following Azure's `osProfile` limits.

Azure refuses a VM whose admin user name is reserved, too long or badly formed, and whose
password is too short, too long, too simple or on its list of banned passwords (Compute REST
API, `OSProfile.adminUsername` / `adminPassword`). Catching that here means the node is refused
when it is declared, not minutes later when Azure rejects the first VM.

Limits used (Azure `OSProfile` documentation):
- user name: Linux 1-64 characters, Windows 1-20; the reserved names in `RESERVED_USER_NAMES`
  (compared case-insensitively); Windows names cannot end with "." nor contain
  `" / \\ [ ] : | < > + = ; , ? * @ &`. For Linux we apply the portal's rule: letters, digits,
  hyphens and underscores, not starting with a hyphen or a digit.
- password: Linux 6-72 characters, Windows 8-123; three of: a lower-case letter, an upper-case
  letter, a digit, a special character (regex `[\\W_]`); not one of `DISALLOWED_PASSWORDS`.
- Linux logs in with a password or an SSH key (or both); Windows needs a password and takes no
  SSH key. Azure accepts OpenSSH `ssh-rsa` keys of 2048 bits or more and `ssh-ed25519` keys.

Messages about a password never repeat it: they are shown in consoles and written to logs.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator

from spotkeeper.spec.models import Login
from spotkeeper.spec.problems import Problem
from spotkeeper.spec.rules.context import LOGIN, Rule, RuleContext, error, is_blank

RESERVED_USER_NAMES: frozenset[str] = frozenset(
    {
        "administrator",
        "admin",
        "user",
        "user1",
        "test",
        "user2",
        "test1",
        "user3",
        "admin1",
        "1",
        "123",
        "a",
        "actuser",
        "adm",
        "admin2",
        "aspnet",
        "backup",
        "console",
        "david",
        "guest",
        "john",
        "owner",
        "root",
        "server",
        "sql",
        "support",
        "support_388945a0",
        "sys",
        "test2",
        "test3",
        "user4",
        "user5",
    }
)
DISALLOWED_PASSWORDS: frozenset[str] = frozenset(
    {
        "abc@123",
        "P@$$w0rd",
        "P@ssw0rd",
        "P@ssword123",
        "Pa$$word",
        "pass@word1",
        "Password!",
        "Password1",
        "Password22",
        "iloveyou!",
    }
)
USER_NAME_MAX = {"Linux": 64, "Windows": 20}
PASSWORD_LENGTH = {"Linux": (6, 72), "Windows": (8, 123)}
MIN_RSA_BITS = 2048

_LINUX_USER_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_WINDOWS_FORBIDDEN = set('"/\\[]:|<>+=;,?*@&')
_PASSWORD_CLASSES = (
    ("a lower-case letter", re.compile(r"[a-z]")),
    ("an upper-case letter", re.compile(r"[A-Z]")),
    ("a digit", re.compile(r"[0-9]")),
    ("a special character", re.compile(r"[\W_]")),
)
_SSH_KEY = re.compile(r"(ssh-rsa|ssh-ed25519)\s+([A-Za-z0-9+/]+={0,2})(\s+.*)?", re.DOTALL)


def check_login_present(ctx: RuleContext) -> Iterator[Problem]:
    launch = ctx.node.compute.launch_specification if ctx.node.compute else None
    if launch is None or launch.login is not None or ctx.image_is_specialized:
        return
    yield error(
        "LOGIN_REQUIRED",
        LOGIN,
        "a node built from a generalized image needs a login (userName plus an SSH key or password)",
    )


def check_user_name(ctx: RuleContext) -> Iterator[Problem]:
    login = _login(ctx)
    if login is None:
        return
    field = f"{LOGIN}.userName"
    name = login.user_name
    if name is None or is_blank(name):
        yield error("REQUIRED", field, "login needs a userName")
        return
    os = ctx.os or "Linux"
    if name.lower() in RESERVED_USER_NAMES:
        yield error("USER_NAME_RESERVED", field, f'"{name}" is a user name Azure reserves; choose another')
    limit = USER_NAME_MAX[os]
    if len(name) > limit:
        yield error(
            "USER_NAME_TOO_LONG",
            field,
            f"a {os} user name may have at most {limit} characters (it has {len(name)})",
        )
    if os == "Windows":
        bad = sorted({c for c in name if c in _WINDOWS_FORBIDDEN or c.isspace() or not c.isprintable()})
        if bad:
            shown = " ".join(repr(c) for c in bad)
            yield error("USER_NAME_INVALID", field, f"a Windows user name cannot contain {shown}")
        if name.endswith("."):
            yield error("USER_NAME_INVALID", field, "a Windows user name cannot end with a period")
    elif not _LINUX_USER_NAME.fullmatch(name):
        yield error(
            "USER_NAME_INVALID",
            field,
            "a Linux user name may contain only letters, digits, hyphens and underscores, "
            "and cannot start with a hyphen or a digit",
        )


def check_credentials(ctx: RuleContext) -> Iterator[Problem]:
    login = _login(ctx)
    if login is None:
        return
    has_key = not is_blank(login.ssh_public_key)
    has_password = login.password is not None and login.password != ""
    if ctx.os == "Windows":
        if not has_password:
            yield error("PASSWORD_REQUIRED", f"{LOGIN}.password", "a Windows login needs a password")
        if login.ssh_public_key is not None:
            yield error(
                "SSH_KEY_NOT_SUPPORTED",
                f"{LOGIN}.sshPublicKey",
                "Windows VMs do not take an SSH public key; log in with the password",
            )
    elif not has_key and not has_password:
        yield error("CREDENTIAL_REQUIRED", LOGIN, "a Linux login needs an sshPublicKey, a password, or both")
    if has_key and ctx.os != "Windows":
        reason = ssh_key_problem(str(login.ssh_public_key))
        if reason:
            yield error("SSH_KEY_INVALID", f"{LOGIN}.sshPublicKey", reason)


def check_password(ctx: RuleContext) -> Iterator[Problem]:
    login = _login(ctx)
    if login is None or not login.password:
        return
    yield from (
        error(code, f"{LOGIN}.password", message)
        for code, message in password_problems(login.password, os=ctx.os or "Linux")
    )


def password_problems(password: str, *, os: str) -> list[tuple[str, str]]:
    """(code, message) for each Azure password rule `password` breaks; messages never quote it."""
    found: list[tuple[str, str]] = []
    low, high = PASSWORD_LENGTH["Windows" if os == "Windows" else "Linux"]
    if not low <= len(password) <= high:
        found.append(
            (
                "PASSWORD_LENGTH",
                f"a {os} password must have {low} to {high} characters (it has {len(password)})",
            )
        )
    missing = [label for label, pattern in _PASSWORD_CLASSES if not pattern.search(password)]
    if len(missing) > 1:
        found.append(
            (
                "PASSWORD_TOO_SIMPLE",
                "the password needs three of: a lower-case letter, an upper-case letter, a digit, "
                f"a special character; it lacks {' and '.join(missing)}",
            )
        )
    if password in DISALLOWED_PASSWORDS:
        found.append(
            ("PASSWORD_DISALLOWED", "Azure refuses this password because it is too common; choose another")
        )
    return found


def ssh_key_problem(key: str) -> str | None:
    """Why Azure would refuse `key` as an SSH public key, or None if it looks right."""
    match = _SSH_KEY.fullmatch(key.strip())
    if match is None:
        return (
            "sshPublicKey must be one OpenSSH public key line, such as 'ssh-ed25519 AAAA... comment' "
            "or 'ssh-rsa AAAA...'; Azure accepts RSA (2048 bits or more) and Ed25519 keys"
        )
    kind, body = match.group(1), match.group(2)
    try:
        blob = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        return "the key data after the key type is not valid base64"
    fields = _ssh_strings(blob)
    if not fields or fields[0] != kind.encode():
        return f"the key data does not hold a {kind} key"
    if kind == "ssh-rsa":
        if len(fields) < 3:
            return "the ssh-rsa key data is truncated"
        bits = int.from_bytes(fields[2], "big").bit_length()
        if bits < MIN_RSA_BITS:
            return f"the RSA key has {bits} bits; Azure needs at least {MIN_RSA_BITS}"
    elif len(fields) < 2 or len(fields[1]) != 32:
        return "the ssh-ed25519 key data is truncated"
    return None


def _ssh_strings(blob: bytes) -> list[bytes]:
    """The length-prefixed fields of an OpenSSH key blob (empty if malformed)."""
    fields: list[bytes] = []
    offset = 0
    while offset < len(blob):
        if offset + 4 > len(blob):
            return []
        length = int.from_bytes(blob[offset : offset + 4], "big")
        offset += 4
        if offset + length > len(blob):
            return []
        fields.append(blob[offset : offset + length])
        offset += length
    return fields


def _login(ctx: RuleContext) -> Login | None:
    launch = ctx.node.compute.launch_specification if ctx.node.compute else None
    return launch.login if launch else None


RULES: tuple[Rule, ...] = (check_login_present, check_user_name, check_credentials, check_password)
