"""Filtering a Dask DataFrame: the engine behind ``locosuppress.dask.filter``.

The list's compact index and the hashing subkeys travel to the workers once,
as one explicit :class:`FilterContext` wrapped in a single ``dask.delayed``
key that every partition task depends on: the scheduler ships it to each
worker once and the worker keeps it for all its partitions. The context
holds the *derived hashing subkeys* (:class:`~locosuppress.HashingMaterial`),
never the master key, which refuses to be pickled.

Each partition runs exactly the pandas code path
(:func:`locosuppress.filtering.outcome_codes`) without de-duplication, and
marks every row with its outcome code in a hidden column; ``kept`` selects
the kept rows and the report sums the codes, so computing both together
(:meth:`DaskFilterResult.compute`) filters each partition once.

The index in the graph is the list as it was when the graph was built. So
that a graph cannot filter against an out-of-date list, the context carries
a guard: when the graph runs, it checks that the list is still open and that
its data version (:meth:`SuppressionList.data_version`, raised by every
write of entries, from any process) is the one the index was read at, and
otherwise every partition raises :class:`~locosuppress.errors.ListChangedError`.
On a distributed cluster the check runs on the client when the graph is
sent to the scheduler (the guard is pickled then, at every compute); with a
local scheduler it runs in each partition's task, beside the list.
"""

from __future__ import annotations

import datetime as dt
import secrets
import weakref
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any, Final, Protocol

import attrs
import numpy as np
import pandas as pd

from locosuppress._index import SuppressionIndex
from locosuppress.errors import ListChangedError, LocosuppressError
from locosuppress.filtering import (
    KEPT_MALFORMED,
    N_CODES,
    FilterReport,
    check_options,
    find_address_column,
    outcome_codes,
    report_from_counts,
)
from locosuppress.keys import HashingMaterial

if TYPE_CHECKING:
    import dask.dataframe as dd

    from locosuppress.store import SuppressionList

__all__ = ["DaskFilterResult", "FilterContext", "filter", "filter_dask"]

_CODE: Final = "__locosuppress_outcome__"


_REBUILD: Final = (
    "build the Dask filter again (locosuppress.dask.filter) to filter against the list as it is"
)


class Guard(Protocol):
    """What a partition task asks before it filters: is the list still as it was?"""

    def check(self) -> None:
        """Raise :class:`ListChangedError` when the graph is out of date."""
        ...


class _CheckedGuard:
    """A guard as it reaches a worker: the answer the client found when it sent the graph."""

    __slots__ = ("_build", "_problem")

    def __init__(self, problem: str | None, build: str) -> None:
        self._problem = problem
        self._build = build

    def check(self) -> None:
        if self._problem is not None:
            raise ListChangedError(self._problem)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_CheckedGuard, (self._problem, self._build))


class ListGuard:
    """Ties a graph to the list's data version at build time (see the module doc).

    Holds the list weakly (a list dropped without closing counts as closed)
    and the data version its index was read at. Pickling it, which happens on
    the client each time a distributed cluster is sent the graph, asks the
    list then and ships only the answer. Each guard carries a random build
    id, so that Dask's keys (tokens of the pickled context) of two graphs
    built from two lists, or twice from one, never coincide.
    """

    def __init__(self, suppression_list: SuppressionList, version: int) -> None:
        """Guard a graph built from ``suppression_list`` at data version ``version``."""
        self._list = weakref.ref(suppression_list)
        self._version = version
        self._build = secrets.token_hex(16)

    def problem(self) -> str | None:
        """Why the graph may not run now, or None when the list is open and unchanged."""
        lst = self._list()
        if lst is None or lst.closed:
            return (
                "the suppression list was closed after this Dask filter was built; "
                f"open it again and {_REBUILD}"
            )
        try:
            version = lst.data_version()
        except LocosuppressError as error:
            return f"the suppression list could not be checked ({error}); {_REBUILD}"
        if version != self._version:
            return (
                "the suppression list changed after this Dask filter was built (entries "
                f"were added or removed); nothing was filtered: {_REBUILD}"
            )
        return None

    def check(self) -> None:
        """Raise :class:`ListChangedError` when the list was closed or changed."""
        _CheckedGuard(self.problem(), self._build).check()

    def __reduce__(self) -> tuple[Any, ...]:
        return (_CheckedGuard, (self.problem(), self._build))


@attrs.frozen(kw_only=True, repr=False)
class FilterContext:
    """Everything a worker needs to filter a partition, shipped once per worker.

    Holds the list's membership index (keyed hashes and scope bits) and the
    hashing subkeys. Whoever holds it can test addresses against the list:
    send it only to workers you trust as much as the machine holding the key.
    """

    index: SuppressionIndex
    material: HashingMaterial
    column: Hashable
    channel: str | None
    on_invalid: str
    guard: Guard | None = None

    def __repr__(self) -> str:
        return (
            f"FilterContext(entries={len(self.index)}, fingerprint={self.material.fingerprint!r}, "
            f"column={self.column!r}, channel={self.channel!r})"
        )


def _mark(partition: pd.DataFrame, context: FilterContext) -> pd.DataFrame:
    if context.guard is not None:
        context.guard.check()
    codes = outcome_codes(
        partition[context.column],
        context.index,
        context.material,
        channel=context.channel,
        on_invalid=context.on_invalid,
        dedupe=False,
    )
    return partition.assign(**{_CODE: codes})


def _counts(codes: pd.Series) -> pd.Series:
    return pd.Series(np.bincount(codes.to_numpy(dtype=np.int64), minlength=N_CODES))


@attrs.frozen(kw_only=True, repr=False)
class DaskFilterResult:
    """The lazy result of ``locosuppress.dask.filter``.

    ``kept`` is a lazy Dask DataFrame of the kept rows (the input's columns);
    :meth:`report` computes the summed :class:`~locosuppress.FilterReport`;
    :meth:`compute` computes both in one pass.
    """

    kept: Any
    _marked: Any
    _column: str
    _channel: str | None
    _on_invalid: str
    _fingerprint: str
    _record: Callable[[FilterReport], FilterReport] | None = None

    def __repr__(self) -> str:
        return f"DaskFilterResult(npartitions={self.kept.npartitions}, channel={self._channel!r})"

    def _count_graph(self) -> Any:
        return self._marked[_CODE].reduction(
            _counts, aggregate=lambda parts: parts.sum(), meta=pd.Series(dtype="int64")
        )

    def _report(self, counts: Any) -> FilterReport:
        report = report_from_counts(
            np.asarray(counts, dtype=np.int64),
            channel=self._channel,
            on_invalid=self._on_invalid,
            column=self._column,
            fingerprint=self._fingerprint,
            dedupe=False,
        )
        return report if self._record is None else self._record(report)

    def report(self, **compute_options: Any) -> FilterReport:
        """Compute the report (counts summed over partitions)."""
        return self._report(self._count_graph().compute(**compute_options))

    def compute(self, **compute_options: Any) -> tuple[pd.DataFrame, FilterReport]:
        """Compute the kept rows and the report together, filtering each partition once."""
        import dask

        kept, counts = dask.compute(self.kept, self._count_graph(), **compute_options)
        return kept, self._report(counts)


def filter_dask(
    ddf: Any,
    index: SuppressionIndex,
    material: HashingMaterial,
    /,
    *,
    column: Hashable | None = None,
    channel: str | None = None,
    on_invalid: str = "exclude",
    record: Callable[[FilterReport], FilterReport] | None = None,
    guard: Guard | None = None,
) -> DaskFilterResult:
    """Build the lazy filter of a Dask DataFrame against an index (see module doc).

    ``record``, when given, is called with each computed report and returns
    it as recorded (``audited`` set). ``guard``, when given, is checked by
    every partition task before it filters.
    """
    import dask

    check_options(channel, on_invalid)
    label = find_address_column(ddf._meta, column)
    context = FilterContext(
        index=index,
        material=material,
        column=label,
        channel=channel,
        on_invalid=on_invalid,
        guard=guard,
    )
    shipped = dask.delayed(context, pure=True, traverse=False)
    meta = ddf._meta.assign(**{_CODE: np.zeros(0, dtype=np.int8)})
    marked = ddf.map_partitions(_mark, shipped, meta=meta, align_dataframes=False)
    kept = marked[marked[_CODE] <= KEPT_MALFORMED].drop(columns=[_CODE])
    return DaskFilterResult(
        kept=kept,
        marked=marked,
        column=str(label),
        channel=channel,
        on_invalid=on_invalid,
        fingerprint=material.fingerprint,
        record=record,
    )


def filter(
    ddf: dd.DataFrame,
    suppression_list: SuppressionList,
    /,
    *,
    column: Hashable | None = None,
    channel: str | None = None,
    on_invalid: str = "exclude",
    source: str | None = None,
    now: dt.datetime | None = None,
) -> DaskFilterResult:
    """Filter a Dask DataFrame against a suppression list, lazily.

    Each partition runs the pandas filter (:meth:`SuppressionList.filter`)
    without de-duplication; rows are not de-duplicated across partitions
    (see ``docs/dask.md`` for how to do it). The list's index and hashing
    subkeys travel to each worker once, in one :class:`FilterContext`; the
    master key never leaves the client. Workers must be trusted with the
    subkeys: they can test addresses against the list.

    Args:
        ddf: the import, as a Dask DataFrame.
        suppression_list: an open list (its file stays on the client).
        column, channel, on_invalid: as for :meth:`SuppressionList.filter`.
        source: label for the audit log, written when a report is computed.
        now: the time recorded in the audit log (default: when the report is computed).

    The graph holds the list as it is now: computing it after the list
    changed (an entry added or removed, by any process) or was closed raises
    :class:`ListChangedError`; build it again (``docs/dask.md``).

    Returns:
        A :class:`DaskFilterResult`: ``kept`` (lazy), ``report()``, ``compute()``.

    Raises:
        SchemaError: no, several, or a missing address column.
        LocosuppressError: the list is closed or damaged (nothing is built);
            when computed, :class:`ListChangedError` as above.
    """

    def record(report: FilterReport) -> FilterReport:
        return suppression_list.record_filter_run(report, source=source, now=now)

    # The version first: a write between the two reads then makes the graph
    # refuse to run (fail closed), never run silently against a newer index.
    version = suppression_list.data_version()
    return filter_dask(
        ddf,
        suppression_list.index(),
        suppression_list.hashing_material(),
        column=column,
        channel=channel,
        on_invalid=on_invalid,
        record=record,
        guard=ListGuard(suppression_list, version),
    )
