"""Locked, checked access to one open backend (private).

A :class:`Session` is what the :class:`~locosuppress.store.SuppressionList`
facade lends its function modules: every read and write goes through it, so
each takes the list's lock, fails closed once the list is closed, refuses
writes to a read-only list and drops the cached index and count after a write
that changed entries.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from locosuppress._index import SuppressionIndex
from locosuppress.errors import KeyMismatchError, ListClosedError, ReadOnlyListError
from locosuppress.store._backend import Backend, Reader, Writer

__all__ = ["Session"]

T = TypeVar("T")
R = TypeVar("R", bound=Reader)


def _bumping(fn: Callable[[Writer], T]) -> Callable[[Writer], T]:
    """``fn``, then the data version raised in the same transaction."""

    def work(tx: Writer) -> T:
        result = fn(tx)
        tx.bump_version()
        return result

    return work


class Session:
    """One open list: its backend, its lock, its state and its caches."""

    def __init__(self, backend: Backend, *, read_only: bool) -> None:
        """Take over an open backend."""
        self.backend = backend
        self.read_only = read_only
        self.lock = threading.RLock()
        self.closed = False
        #: The cached index and the data version (``Reader.version``) it was
        #: loaded at; ``index_dirty`` after this session wrote entries (the
        #: version moves too: a second, local reason to refresh).
        self.index: SuppressionIndex | None = None
        self.index_version: int | None = None
        self.index_dirty = False
        #: The cached ``len()`` as ``(data version, count)``.
        self.length: tuple[int, int] | None = None
        #: The chain fingerprint the list was opened with (``meta.fingerprint``):
        #: every transaction checks it, so that a list rotated by another
        #: process is never matched or written with the old chain (fail closed).
        self.fingerprint: str | None = None

    def ensure_open(self) -> None:
        """Raise :class:`ListClosedError` once the list is closed (fail closed)."""
        if self.closed:
            raise ListClosedError("this suppression list is closed; open it again")

    def read(self, fn: Callable[[Reader], T], /) -> T:
        """Run ``fn`` in one read transaction."""
        with self.lock:
            self.ensure_open()
            return self.backend.read(self._checked(fn))

    def write(self, fn: Callable[[Writer], T], /, *, changes_entries: bool = True) -> T:
        """Run ``fn`` in one durable write transaction.

        A transaction that may change entries (``changes_entries``) also
        raises the list's data version in the same transaction, so anyone
        holding an answer derived from the entries (a Dask filter graph) can
        tell that it is out of date.

        Raises:
            ReadOnlyListError: the list was opened read-only.
        """
        with self.lock:
            self.ensure_open()
            if self.read_only:
                raise ReadOnlyListError(
                    f"{self.backend.location} was opened with read_only=True; "
                    "open it without to write"
                )
            if changes_entries:
                fn = _bumping(fn)
            result = self.backend.write(self._checked(fn))
            if changes_entries:
                self.index_dirty = True
                self.length = None
            return result

    def _checked(self, fn: Callable[[R], T]) -> Callable[[R], T]:
        """``fn``, after checking that the list still holds the chain it was opened with."""
        expected = self.fingerprint
        if expected is None:
            return fn

        def work(tx: R) -> T:
            stored = tx.meta().get("fingerprint")
            if stored != expected:
                raise KeyMismatchError(
                    f"{self.backend.location} was rotated to another key chain (fingerprint "
                    f"{stored}) after it was opened with {expected}; close it and open it "
                    "again with the key ring written by the rotation"
                )
            return fn(tx)

        return work

    def version(self) -> int:
        """The list's data version as stored now (see ``Reader.version``)."""
        return self.read(lambda tx: tx.version())

    def close(self) -> None:
        """Close the backend (idempotent) and drop the caches."""
        with self.lock:
            if not self.closed:
                self.closed = True
                self.index = None
                self.backend.close()
