"""Durable file writes: write beside, fsync, link into place, fsync the folder.

Layer 0: imports only :mod:`locosuppress.errors`. Every file locosuppress
creates (lists, backups, exports, key files, mailing files) goes through this
module, so there is one answer to "is it on disk when the call returns, and can
a reader ever see half of it?": a new file is written under a random hidden
name in the target's own folder, fsynced, then given its name with a hard link
(atomic, and it fails when the name exists), and the folder is fsynced so the
name survives a power cut.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

from locosuppress.errors import OutputExistsError

__all__ = [
    "create_exclusive",
    "fsync_file",
    "fsync_folder",
    "link_into_place",
    "new_file",
    "remove_quietly",
    "replace_into_place",
    "temp_beside",
]

# A folder cannot always be fsynced: some network and FUSE file systems do not
# support it, and a folder we may write in but not read (mode 0300) cannot be
# opened. The new name is then already in place and the file's own data was
# fsynced; failing *after* the file is there would only mislead the caller
# (and make a retry hit "exists"), so these errors mean "nothing more to do".
_CANNOT_SYNC = frozenset(
    {errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EBADF, errno.EACCES, errno.EPERM}
)


def fsync_folder(folder: Path) -> None:
    """Make new or renamed directory entries in ``folder`` durable, where it can be done.

    A no-op where folders cannot be fsynced (Windows, some network file
    systems, folders this process may write in but not read).
    """
    if os.name != "posix":  # pragma: no cover - Windows has no directory fsync
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError as exc:
        if exc.errno in _CANNOT_SYNC:
            return
        raise
    try:
        os.fsync(fd)
    except OSError as exc:  # pragma: no cover - depends on the file system
        if exc.errno not in _CANNOT_SYNC:
            raise
    finally:
        os.close(fd)


def fsync_file(path: Path) -> None:
    """Flush a closed file's data to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def create_exclusive(path: Path, *, mode: int = 0o600) -> int:
    """Create ``path`` (it must not exist) with ``mode`` and return a writable descriptor.

    Raises:
        FileExistsError: ``path`` exists.
    """
    # The process umask can only take bits away, so 0o600 stays owner-only.
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), mode)


def temp_beside(path: Path, *, mode: int = 0o600, prefix: str | None = None) -> Path:
    """Create (exclusively, with ``mode``) and return an empty hidden file beside ``path``.

    The name holds a random token and, unless ``prefix`` is given, the
    target's own name; never anything from the data being written.
    """
    folder = path.absolute().parent
    stem = prefix if prefix is not None else f".{path.name}"
    while True:
        tmp = folder / f"{stem}.{secrets.token_hex(8)}.tmp"
        try:
            fd = create_exclusive(tmp, mode=mode)
        except FileExistsError:  # pragma: no cover - 64 random bits
            continue
        os.close(fd)
        return tmp


def remove_quietly(*paths: Path) -> None:
    """Delete files, ignoring those that are already gone."""
    for p in paths:
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def link_into_place(tmp: Path, final: Path, *, exists: str | None = None) -> None:
    """Give the complete, fsynced ``tmp`` the name ``final``, never replacing a file.

    A hard link is atomic and fails if ``final`` exists (even if it appeared a
    moment ago), so no reader ever sees a half-written file. Where hard links
    are not supported, the name is first reserved with an exclusive create and
    then atomically replaced. ``tmp`` is gone afterwards; the folder is fsynced.

    Raises:
        OutputExistsError: ``final`` exists (message ``exists``, or a default).
    """
    message = exists or f"{final} exists; it is never overwritten"
    try:
        os.link(tmp, final)
    except FileExistsError:
        raise OutputExistsError(message) from None
    except OSError:  # pragma: no cover - file systems without hard links
        try:
            fd = create_exclusive(final, mode=0o600)
        except FileExistsError:
            raise OutputExistsError(message) from None
        placeholder = os.fstat(fd)
        os.close(fd)
        try:
            os.replace(tmp, final)
        except BaseException:
            # Take back the empty name we reserved (only if it is still ours).
            with contextlib.suppress(OSError):
                if os.path.samestat(placeholder, os.stat(final)):
                    os.unlink(final)
            raise
    else:
        tmp.unlink()
    fsync_folder(final.absolute().parent)


def replace_into_place(tmp: Path, final: Path) -> None:
    """Atomically replace ``final`` with the complete, fsynced ``tmp``; fsync the folder."""
    os.replace(tmp, final)
    fsync_folder(final.absolute().parent)


@contextlib.contextmanager
def new_file(
    target: Path,
    *,
    mode: int = 0o600,
    prefix: str | None = None,
    replace: bool = False,
    exists: str | None = None,
) -> Iterator[Path]:
    """Write a file durably and atomically: the one sequence every writer uses.

    Yields an empty temporary file beside ``target`` (see :func:`temp_beside`)
    for the caller to fill. When the block ends without an error, the file is
    fsynced and put in place: linked, never replacing a file
    (:func:`link_into_place`, raising ``OutputExistsError`` with ``exists``),
    or with ``replace`` renamed over the target. The temporary file is gone
    afterwards in every case, an interrupt included.
    """
    tmp = temp_beside(target, mode=mode, prefix=prefix)
    try:
        yield tmp
        fsync_file(tmp)
        if replace:
            replace_into_place(tmp, target)
        else:
            link_into_place(tmp, target, exists=exists)
    finally:
        remove_quietly(tmp)
