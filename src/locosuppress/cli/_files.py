"""Files for the command line: the key, the list, output paths that must not hit an input, JSON.

Every check here runs before any work is done, so a mistake costs nothing:
an output that is the input (by name, through a symbolic link or as a hard
link), an output that exists without ``--force``, no key, a mistyped list path.
"""

from __future__ import annotations

import json
import os
from collections.abc import Hashable, Iterable
from pathlib import Path
from typing import Any, Final

import pandas as pd

from locosuppress import _fs
from locosuppress._vocabulary import check_source
from locosuppress.errors import InvalidOptionError, SchemaError
from locosuppress.filtering import find_address_column
from locosuppress.keys import SuppressionKey
from locosuppress.store import SuppressionList

__all__ = [
    "KEY_ENV",
    "CommandError",
    "address_column",
    "check_output",
    "file_label",
    "load_key",
    "open_list",
    "same_file",
    "write_json",
]

#: The environment variable that may hold the key's text.
KEY_ENV: Final = "LOCOSUPPRESS_KEY"


class CommandError(Exception):
    """A failure the command reports in one line and exit status 1."""


def load_key(key_file: Path | None) -> SuppressionKey:
    """The key from ``--key-file``, else from ``LOCOSUPPRESS_KEY``; never from an argument.

    Raises:
        CommandError: neither is given.
        InvalidKeyError, InsecureKeyFileError: the key cannot be used.
    """
    if key_file is not None:
        return SuppressionKey.load(key_file)
    if os.environ.get(KEY_ENV):
        return SuppressionKey.from_env(KEY_ENV)
    raise CommandError(
        f"no key: pass --key-file PATH or set {KEY_ENV} to the text of the key file "
        "(create a key with `locosuppress key new PATH`)"
    )


def open_list(
    path: Path | str, key_file: Path | None, *, read_only: bool = False
) -> SuppressionList:
    """Open the existing list at ``path`` (a file or a ``postgresql://`` URL); never create one.

    Raises:
        CommandError: no key, or no list file at ``path``.
        ListNotFoundError: no list in the PostgreSQL database.
    """
    key = load_key(key_file)
    if isinstance(path, str):
        return SuppressionList.open(path, key, create=False, read_only=read_only)
    if not path.exists():
        raise CommandError(
            f"no suppression list at {path}; check the path, or create one with "
            "`locosuppress init LIST`"
        )
    return SuppressionList.open(path, key, create=False, read_only=read_only)


def file_label(path: Path) -> str | None:
    """The file name as an audit-log source label, when it can be one."""
    try:
        return check_source(path.name)
    except InvalidOptionError:
        return None


def address_column(frame: pd.DataFrame, column: str | None) -> Hashable:
    """The address column, with the command line's advice when there is none.

    Raises:
        SchemaError: no such column, or none (or several) found by name.
    """
    try:
        return find_address_column(frame, column)
    except SchemaError as exc:  # the library's ``column=...`` is ``--column NAME`` here
        raise SchemaError(str(exc).replace("column=...", "--column NAME")) from None


def same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one file: same resolved path, or same inode (links)."""
    try:
        if os.path.samefile(a, b):
            return True
    except OSError:  # one of them does not exist (yet)
        pass
    return a.resolve() == b.resolve()


def check_output(
    output: Path, *, inputs: Iterable[tuple[str, Path | None]], force: bool, what: str = "output"
) -> None:
    """Refuse an output that is one of the inputs, a folder, or exists without ``--force``.

    Args:
        output: the file to write.
        inputs: ``(name, path)`` of every file the command reads or must keep.
        force: whether an existing output may be replaced.
        what: how to name the output in a message.

    Raises:
        CommandError: the output must not be written.
    """
    for name, path in inputs:
        if path is not None and same_file(output, path):
            raise CommandError(
                f"the {what} file {output} is the {name} file; choose another {what} file "
                "(the input is never overwritten)"
            )
    if output.is_dir():
        raise CommandError(f"the {what} {output} is a folder; give a file name")
    if not force and (output.exists() or output.is_symlink()):
        raise CommandError(f"the {what} file {output} exists; pass --force to replace it")


def write_json(data: Any, path: Path, *, force: bool) -> None:
    """Write ``data`` as JSON beside ``path``, fsync it, then link (or with ``force``, rename) it.

    Raises:
        CommandError: the folder of ``path`` is missing.
        OutputExistsError: ``path`` exists and ``force`` is false.
    """
    folder = path.parent
    if not folder.is_dir():
        raise CommandError(f"the folder of {path} does not exist")
    text = json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"
    with _fs.new_file(
        path,
        mode=0o666,
        prefix=".locosuppress",
        replace=force,
        exists=f"{path} exists; pass --force to replace it",
    ) as temporary:
        temporary.write_text(text, encoding="utf-8")
