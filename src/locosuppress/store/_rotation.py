"""Key rotation by wrapping: every stored hash wrapped under a new key, in one go (private).

A rotation to key ``K`` replaces every stored hash ``h``, whatever its kind,
by ``AES-256(HKDF(K, "locosuppress/v1/wrap"))`` of each 16-byte half of
``h`` (``docs/hash-contract.md``, "The key chain"). The distinct hashes are
read once, wrapped a chunk at a time (one cipher call per chunk) and written
back through :meth:`Writer.rewrap`; the meta entries then record the new
chain, the index snapshot is rewritten from the new hashes and the audit log
gets a ``rotate`` row, all in the same durable write transaction, which also
raises the data version. A crash at any point leaves the old list or the new
one, never a mix.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, Final

import attrs
import numpy as np
import numpy.typing as npt

from locosuppress.errors import InvalidKeyError, LocosuppressError
from locosuppress.keys import HashingMaterial, KeyRing, SuppressionKey, wrap_bytes, wrap_subkey
from locosuppress.reports import render_html, render_text
from locosuppress.store import _snapshot
from locosuppress.store._audit import record
from locosuppress.store._backend import Writer
from locosuppress.store._open import CHAIN_META, ROTATED_META, chain_of
from locosuppress.store._reports import iso, utc
from locosuppress.store._session import Session

__all__ = ["ROTATE_CHUNK", "Progress", "RotationReport", "rotate"]

#: Distinct hashes wrapped and written back per step (one cipher call each).
ROTATE_CHUNK: Final = 1 << 14

#: ``progress(done, total)``: distinct stored hashes wrapped so far, of ``total``.
Progress = Callable[[int, int], None]


@attrs.frozen
class RotationReport:
    """What :meth:`SuppressionList.rotate_key` did (counts and public fingerprints only).

    Attributes:
        entries: entry rows rewritten (one per hash, kind and scope).
        hashes: distinct stored hashes wrapped (addresses, domains, every kind).
        chain_before, chain_after: the key fingerprints of the chain, oldest first.
        fingerprint_before, fingerprint_after: the chain fingerprints.
        rotated_at: the time recorded for the rotation (UTC).
        duration_s: how long the rotation took, in seconds.
    """

    entries: int
    hashes: int
    chain_before: tuple[str, ...]
    chain_after: tuple[str, ...]
    fingerprint_before: str
    fingerprint_after: str
    rotated_at: datetime
    duration_s: float

    def to_dict(self) -> dict[str, Any]:
        """Return the report as plain Python values (times as ISO text)."""
        return {
            "entries": self.entries,
            "hashes": self.hashes,
            "chain_before": list(self.chain_before),
            "chain_after": list(self.chain_after),
            "fingerprint_before": self.fingerprint_before,
            "fingerprint_after": self.fingerprint_after,
            "rotated_at": iso(self.rotated_at),
            "duration_s": round(self.duration_s, 3),
        }

    def _rows(self) -> list[tuple[str, Any]]:
        return [
            ("entries wrapped", self.entries),
            ("distinct hashes", self.hashes),
            ("chain before", " -> ".join(self.chain_before)),
            ("chain after", " -> ".join(self.chain_after)),
            ("fingerprint after", self.fingerprint_after),
            ("rotated at", iso(self.rotated_at)),
            ("duration (s)", round(self.duration_s, 2)),
        ]

    def _notes(self) -> list[str]:
        return [
            "the list now opens only with the key ring of the chain after, in order "
            "(keep the ring file; the old key alone no longer opens or matches it)"
        ]

    def __str__(self) -> str:
        return render_text("Suppression list: key rotated", self._rows(), notes=self._notes())

    def _repr_html_(self) -> str:
        return render_html("Suppression list: key rotated", self._rows(), notes=self._notes())


def new_key_of(new_key: object) -> SuppressionKey:
    """The key to rotate to (a ring gives its newest key).

    Raises:
        TypeError: not a :class:`SuppressionKey` or :class:`KeyRing`.
    """
    if isinstance(new_key, KeyRing):
        return new_key.newest
    if isinstance(new_key, SuppressionKey):
        return new_key
    raise TypeError(
        "rotate_key takes the new SuppressionKey (never a HashingMaterial: the wrap needs "
        f"the key itself), not {type(new_key).__name__}"
    )


def rotate(
    session: Session,
    matter: HashingMaterial,
    meta: dict[str, str],
    new_key: object,
    *,
    now: datetime | None,
    progress: Progress | None,
) -> tuple[RotationReport, HashingMaterial, dict[str, str]]:
    """Wrap every stored hash of the list behind ``session`` under ``new_key``.

    Returns:
        The report, the material of the new chain and the new meta entries.

    Raises:
        InvalidKeyError: ``new_key`` is already in the list's chain.
        TypeError: ``new_key`` is not a key.
        ReadOnlyListError: the list was opened read-only.
    """
    key = new_key_of(new_key)
    moment = utc(now)
    started = time.monotonic()
    before = chain_of(meta)
    if key.fingerprint in before:
        raise InvalidKeyError(
            f"the key {key.fingerprint} is already in the list's chain "
            f"({' -> '.join(before)}); rotate to a new key (`locosuppress key new PATH`)"
        )
    wrap = wrap_subkey(key)
    rotated = matter.rotated(wrap, key.fingerprint)
    stamps = [t for t in meta.get(ROTATED_META, "").split(",") if t]
    changes = {
        "fingerprint": rotated.fingerprint,
        CHAIN_META: ",".join(rotated.chain),
        ROTATED_META: ",".join([*stamps, iso(moment)]),
    }
    notify = progress if progress is not None else _silent

    def work(tx: Writer) -> tuple[int, int]:
        hashes = tx.distinct_hashes()
        total = len(hashes)

        def chunks() -> Iterator[tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8]]]:
            notify(0, total)
            for start in range(0, total, ROTATE_CHUNK):
                old = hashes[start : start + ROTATE_CHUNK]
                new = np.frombuffer(wrap_bytes(wrap, old.tobytes()), dtype=np.uint8)
                yield old, new.reshape(old.shape)
                notify(start + len(old), total)

        entries = tx.rewrap(chunks())
        tx.set_meta(changes)
        _snapshot.rewrite(tx)
        record(tx, "rotate", int(moment.timestamp()), total=entries)
        return entries, total

    with session.lock:
        entries, total = session.write(work)
        session.fingerprint = rotated.fingerprint
        # Old page images may linger in the log and in free pages: give them
        # back. Best effort, as after a removal: the rotation has committed,
        # and a busy list must not make this call fail after it.
        with contextlib.suppress(LocosuppressError, *session.backend.errors):
            session.backend.after_remove()
            session.backend.after_snapshot()
    report = RotationReport(
        entries=entries,
        hashes=total,
        chain_before=before,
        chain_after=rotated.chain,
        fingerprint_before=meta["fingerprint"],
        fingerprint_after=rotated.fingerprint,
        rotated_at=moment,
        duration_s=time.monotonic() - started,
    )
    return report, rotated, {**meta, **changes}


def _silent(done: int, total: int) -> None:
    """No progress to show."""
