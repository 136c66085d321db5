"""Checking a list: the storage's own check and the list's invariants (private)."""

from __future__ import annotations

from locosuppress.errors import ListLockedError
from locosuppress.keys import chain_fingerprint
from locosuppress.store._backend import META_KEYS, Reader
from locosuppress.store._open import chain_of
from locosuppress.store._reports import VerifyReport
from locosuppress.store._session import Session

__all__ = ["verify"]


def verify(session: Session, *, fingerprint: str, quick: bool) -> VerifyReport:
    """Check the list behind ``session``; never raises for damage (see ``SuppressionList.verify``).

    Raises:
        ListClosedError: the list is closed.
        ListLockedError: other writers held the list too long.
    """
    problems: list[str] = []
    counts = [0, 0]
    chain: list[str] = []

    def work(tx: Reader) -> None:
        problems.extend(tx.integrity_problems(quick=quick))
        problems.extend(tx.schema_problems())
        if problems:
            return
        meta = tx.meta()
        for key in META_KEYS:
            if key not in meta:
                problems.append(f"the meta entry {key!r} is missing")
        if meta.get("fingerprint") not in (None, fingerprint):
            problems.append("the meta key fingerprint does not match the key")
        if "fingerprint" in meta:
            chain.extend(chain_of(meta))
            if chain_fingerprint(chain) != meta["fingerprint"]:
                problems.append("the meta key chain does not match the key fingerprint")
        if meta.get("index_stale") not in (None, "0", "1"):
            problems.append("the meta entry 'index_stale' is neither '0' nor '1'")
        problems.extend(f"{n:,} {what}" for what, n in tx.invariant_violations())
        counts[0] = tx.count_entries()
        counts[1] = tx.count_pending()

    try:
        session.read(work)
    except session.backend.errors as exc:
        if isinstance(exc, ListLockedError):
            raise
        problems.append(f"the storage could not be read: {exc}")
    return VerifyReport(
        problems=tuple(problems),
        entries=counts[0],
        pending=counts[1],
        quick=quick,
        chain=tuple(chain),
    )
