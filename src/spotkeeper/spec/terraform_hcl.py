"""HCL literal values: writing them safely and reading back what python-hcl2 hands us.

Node fields are user text (descriptions, scripts, extension settings) and can hold anything:
quotes, backslashes, newlines, and the `${` / `%{` sequences HCL would treat as template
interpolation. Writing them needs HCL's escapes; reading needs the reverse, because python-hcl2
8 serialises a quoted string in its *source* form (`'"a\\"b $${x}"'`, quotes and escapes kept),
wraps any other expression as `"${...}"`, and keeps heredocs as `"<<EOT\\n...\\nEOT"`.

Two python-hcl2 grammar quirks shape the writer. Its escaped-interpolation token is
`$${[^}]*}`: a `$${` with no `}` after it in the same string would make the lexer run on into
the following lines, so such a `${` is written as `\\u0024{` (HCL decodes escapes after finding
interpolations, so that is a literal `${` to Terraform too). The same goes for `%{`. And numbers in
exponent form come back as expressions, so floats are written in plain decimal.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from decimal import Decimal

_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
_WRITE_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_HEREDOC_OPEN = re.compile(r"<<(-?)([A-Za-z][A-Za-z0-9._-]*)\r?$")


class LiteralError(ValueError):
    """A value that is not a plain literal (an expression), or a malformed string."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


# ---------------------------------------------------------------------------------------------
# Writing


def quote(text: str) -> str:
    """`text` as a quoted HCL string whose value is exactly `text` (no interpolation)."""
    out: list[str] = ['"']
    length = len(text)
    index = 0
    while index < length:
        char = text[index]
        if char in "$%" and index + 1 < length and text[index + 1] == "{":
            # `$${` is the idiomatic escape, but python-hcl2 only lexes it when a `}` follows.
            if "}" in text[index + 2 :]:
                out.append(char * 2 + "{")
            else:
                out.append(f"\\u{ord(char):04x}{{")
            index += 2
            continue
        if char in _WRITE_ESCAPES:
            out.append(_WRITE_ESCAPES[char])
        elif not char.isprintable():
            code = ord(char)
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            out.append(char)
        index += 1
    out.append('"')
    return "".join(out)


def render_number(value: int | float) -> str:
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        raise LiteralError("INVALID_VALUE", f"{value!r} cannot be written in HCL")
    text = repr(value)
    if "e" in text or "E" in text:
        text = format(Decimal(text), "f")
        if "." not in text:
            text += ".0"
    return text


def is_scalar(value: object) -> bool:
    return value is None or isinstance(value, str | bool | int | float)


def render_value(value: object, indent: int) -> str:
    """An HCL expression for a JSON value; nested lines are indented one level past `indent`."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return render_number(value)
    if isinstance(value, str):
        return quote(value)
    inner = "  " * (indent + 1)
    closing = "  " * indent
    if isinstance(value, list):
        if all(is_scalar(item) for item in value):
            return "[" + ", ".join(render_value(item, indent) for item in value) + "]"
        items = "".join(f"{inner}{render_value(item, indent + 1)},\n" for item in value)
        return f"[\n{items}{closing}]"
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        keys = [quote(str(key)) for key in value]
        width = max(len(key) for key in keys)
        lines = "".join(
            f"{inner}{key:<{width}} = {render_value(item, indent + 1)}\n"
            for key, item in zip(keys, value.values(), strict=True)
        )
        return f"{{\n{lines}{closing}}}"
    raise LiteralError("INVALID_TYPE", f"a {type(value).__name__} cannot be written in HCL")


# ---------------------------------------------------------------------------------------------
# Reading (values as python-hcl2 8 serialises them)


def decode_literal(value: object) -> object:
    """Turn a python-hcl2 value into the JSON value it denotes; expressions are refused."""
    if isinstance(value, str):
        return decode_string(value)
    if isinstance(value, list):
        return [decode_literal(item) for item in value]
    if isinstance(value, Mapping):
        return {decode_key(key): decode_literal(item) for key, item in value.items()}
    return value


def decode_key(key: object) -> str:
    if isinstance(key, str) and key.startswith('"'):
        return decode_string(key)
    if isinstance(key, str) and key.startswith("${"):
        raise LiteralError("UNSUPPORTED_EXPRESSION", f"object key {key[2:-1]} is an expression")
    return str(key)


def decode_string(source: str) -> str:
    """The value of a serialised HCL string: quoted template, heredoc, or (refused) expression."""
    if len(source) >= 2 and source[0] == source[-1] == '"':
        body = source[1:-1]
        if body.startswith("<<") and "\n" in body:
            return _decode_heredoc(body)
        return _decode_template(body, escapes=True)
    if source.startswith("${") and source.endswith("}"):
        raise LiteralError(
            "UNSUPPORTED_EXPRESSION",
            f"`{source[2:-1]}` is an expression; spotkeeper reads literal values only",
        )
    return source


def _decode_heredoc(body: str) -> str:
    opening, _, rest = body.partition("\n")
    match = _HEREDOC_OPEN.match(opening)
    if match is None:
        raise LiteralError("HCL_SYNTAX", f"malformed heredoc opening {opening!r}")
    lines = rest.split("\n")[:-1]  # the last line is the closing marker
    if match.group(1):
        indents = [len(line) - len(line.lstrip(" ")) for line in lines if line.strip()]
        strip = min(indents, default=0)
        lines = [line[strip:] for line in lines]
    text = "".join(line.rstrip("\r") + "\n" for line in lines)
    return _decode_template(text, escapes=False)


def _decode_template(body: str, *, escapes: bool) -> str:
    out: list[str] = []
    length = len(body)
    index = 0
    while index < length:
        char = body[index]
        pair = body[index : index + 2]
        if char in "$%" and body[index : index + 3] == char * 2 + "{":
            out.append(char + "{")
            index += 3
        elif pair in ("${", "%{"):
            raise LiteralError(
                "UNSUPPORTED_EXPRESSION",
                "string holds a template interpolation or directive; write `$${` for a literal `${`",
            )
        elif escapes and char == "\\":
            decoded, index = _decode_escape(body, index)
            out.append(decoded)
        else:
            out.append(char)
            index += 1
    return "".join(out)


def _decode_escape(body: str, index: int) -> tuple[str, int]:
    marker = body[index + 1 : index + 2]
    if marker in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[marker], index + 2
    width = {"u": 4, "U": 8}.get(marker)
    if width is not None:
        digits = body[index + 2 : index + 2 + width]
        if len(digits) == width and all(c in "0123456789abcdefABCDEF" for c in digits):
            code = int(digits, 16)
            if code <= 0x10FFFF and not 0xD800 <= code < 0xE000:
                return chr(code), index + 2 + width
    raise LiteralError("HCL_SYNTAX", f"invalid escape sequence `\\{marker}` in a string")
