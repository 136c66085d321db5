"""Retention policies as TOML files, so that a privacy officer edits a file, not code.

Reading uses the standard library's :mod:`tomllib`. Writing needs no
dependency: the schema is fixed and small (text, whole numbers, true/false,
lists of them and one inline table), so :func:`dumps` writes it directly, and
a Hypothesis property checks that every policy reads back equal. The schema::

    name = "LocoMail"
    version = "2024-05"

    [[rule]]
    name = "sample-and-quote-requests"
    table = "requests"
    where = { kind = ["sample", "quote"] }   # optional: which rows (else all)
    date_column = "requested_at"
    keep_for = "6 months"                    # or "7 years", or a number of months
    action = "delete"                        # or "anonymise"
    keep = ["campaign", "url"]               # optional, anonymise only
    path_column = "path"                     # optional, files of a manifest
    reason = "..."                           # optional: the policy text

Unknown keys are errors (a misspelt ``keep_for`` must not pass unnoticed).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from locosuppress.errors import PolicyError, PolicyFileNotFoundError
from locosuppress.retention._rules import RetentionRule

__all__ = ["dumps", "loads", "read"]

_TOP_KEYS = frozenset({"name", "version", "rule"})
_RULE_KEYS = (
    "name",
    "table",
    "where",
    "date_column",
    "keep_for",
    "action",
    "keep",
    "path_column",
    "reason",
)
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f"}
_ESCAPES["\r"] = "\\r"


def _string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    out = []
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{_string(k)} = {_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} to a policy file")  # pragma: no cover


def dumps(name: str, version: str, rules: tuple[RetentionRule, ...]) -> str:
    """The policy as TOML text in the fixed schema."""
    lines = [f"name = {_string(name)}", f"version = {_string(version)}"]
    for rule in rules:
        data = rule.to_dict()
        lines += ["", "[[rule]]"]
        lines += [f"{key} = {_value(data[key])}" for key in _RULE_KEYS if key in data]
    return "\n".join(lines) + "\n"


def _rule(number: int, data: object) -> RetentionRule:
    if not isinstance(data, Mapping):
        raise PolicyError(f"rule {number}: each [[rule]] must be a table of keys")
    label = data.get("name", number)
    unknown = sorted(set(data) - set(_RULE_KEYS))
    if unknown:
        raise PolicyError(
            f"rule {label!r}: unknown key(s) {', '.join(unknown)}; the keys are "
            f"{', '.join(_RULE_KEYS)}"
        )
    for key in ("name", "table", "date_column", "keep_for"):
        if key not in data:
            raise PolicyError(f"rule {label!r}: {key} is missing")
    try:
        return RetentionRule(**dict(data))
    except PolicyError as exc:
        message = str(exc)
        if message.startswith("rule "):
            raise
        raise PolicyError(f"rule {label!r}: {message}") from None


def loads(text: str, /, *, source: str = "policy") -> tuple[str, str, tuple[RetentionRule, ...]]:
    """Name, version and rules from TOML text.

    Raises:
        PolicyError: not TOML, or not the schema.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{source} is not valid TOML: {exc}") from None
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise PolicyError(
            f"{source}: unknown key(s) {', '.join(unknown)}; a policy has name, version "
            "and [[rule]] tables"
        )
    for key in ("name", "version"):
        if key not in data:
            raise PolicyError(f"{source}: {key} is missing")
    rules = data.get("rule", [])
    if not isinstance(rules, list):
        raise PolicyError(f"{source}: write each rule as a [[rule]] table")
    return data["name"], data["version"], tuple(_rule(n, r) for n, r in enumerate(rules, 1))


def read(path: str | os.PathLike[str], /) -> tuple[str, str, tuple[RetentionRule, ...]]:
    """Name, version and rules from a TOML file.

    Raises:
        PolicyFileNotFoundError: no such file.
        PolicyError: the file cannot be read, is not UTF-8 TOML, or not the schema.
    """
    file = Path(os.fspath(path))
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PolicyFileNotFoundError(
            f"no policy file at {file}; check the path (print the preset with "
            "`locosuppress retention --preset locomail --print`)"
        ) from None
    except UnicodeDecodeError:
        raise PolicyError(f"{file} is not UTF-8 text; save it as UTF-8") from None
    except OSError as exc:
        raise PolicyError(f"{file} cannot be read ({exc.strerror or type(exc).__name__})") from None
    return loads(text, source=str(file))
