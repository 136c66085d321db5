"""Anonymisation of Dask DataFrames: the pandas anonymiser per partition, reports summed."""

from __future__ import annotations

import datetime as dt
import html
import secrets
from collections.abc import Collection, Hashable, Iterable
from typing import Any

import attrs
import dask.base
import dask.dataframe as dd
import pandas as pd
from dask.dataframe.utils import clear_known_categories
from dask.delayed import Delayed, delayed

from locosuppress.events import (
    DEFAULT_KEEP_QUERY_PARAMS,
    AnonymisationOptions,
    AnonymisationReport,
    AnonymisationResult,
)
from locosuppress.events._partition import (
    Partial,
    anonymise_partition,
    anonymised_meta,
    combine_partials,
    count_people,
    plan_with_cutoff,
)
from locosuppress.events._plan import Plan
from locosuppress.events._times import Resolution, TimestampUnit

__all__ = ["DaskAnonymisationResult", "anonymise_events"]


@attrs.frozen(eq=False)
class DaskAnonymisationResult:
    """A lazy anonymisation of a Dask DataFrame.

    Attributes:
        events: the anonymised events, lazy; same partitions, divisions, index
            and columns as the input.
        cutoff: the one cutoff instant used for every partition.
        summary_delayed: a Dask ``Delayed`` that computes to
            ``(AnonymisationReport, aggregates)``. It shares its per-partition
            work with ``events``: compute both together to anonymise once, for
            example ``dask.compute(result.events.to_parquet(path, compute=False),
            result.summary_delayed)``.
    """

    events: dd.DataFrame
    cutoff: pd.Timestamp
    summary_delayed: Delayed
    _frames: tuple[Delayed, ...] = attrs.field(repr=False, alias="_frames")

    def summary(self) -> tuple[AnonymisationReport, pd.DataFrame]:
        """Compute the summed report and the aggregates (the events are not kept)."""
        report, aggregates = self.summary_delayed.compute()
        return report, aggregates

    def compute(self) -> AnonymisationResult:
        """Compute everything into a pandas :class:`~locosuppress.AnonymisationResult`.

        Only for data that fits in memory; the partitions are anonymised once.
        """
        compute: Any = dask.base.compute
        frames, (report, aggregates) = compute(list(self._frames), self.summary_delayed)
        frame = pd.concat(frames) if frames else self.events._meta
        return AnonymisationResult(frame, report, aggregates)

    def _repr_html_(self) -> str:
        return f"<p>{html.escape(str(self))}</p>"

    def __str__(self) -> str:
        return (
            f"lazy anonymisation of {self.events.npartitions} partitions, events before "
            f"{self.cutoff.isoformat()}; call .summary() for the report and aggregates"
        )


def _summary(plan: Plan, parts: list[Any], buckets: int) -> Delayed:
    """The graph of the summed report and aggregates, over the partitions' partials."""
    partials: list[Partial] = [part[1] for part in parts]
    people = [
        delayed(count_people, pure=True)([p.pairs[b] for p in partials]) for b in range(buckets)
    ]
    summary: Delayed = delayed(combine_partials, pure=True)(
        plan,
        [p.counts for p in partials],
        [p.groups for p in partials],
        people,
    )
    return summary


def anonymise_events(
    events: dd.DataFrame,
    /,
    *,
    now: pd.Timestamp | str | None = None,
    months: int = 12,
    timestamp: Hashable = "timestamp",
    keep: Hashable | Iterable[Hashable] | None = None,
    identity: Hashable | Iterable[Hashable] | None = None,
    resolution: Resolution = "day",
    tz: str | dt.tzinfo = "UTC",
    keep_query_params: Collection[str] = DEFAULT_KEEP_QUERY_PARAMS,
    k: int = 5,
    timestamp_unit: TimestampUnit = None,
    allow_unreadable: bool = False,
    allow_future: bool = False,
) -> DaskAnonymisationResult:
    """:func:`locosuppress.anonymise_events` for a Dask DataFrame, lazily.

    The cutoff is computed once, here on the client (from ``now``, default
    the current time), and every partition is anonymised against it. Options
    are those of the pandas function. Distinct people are counted across
    partitions through 64-bit hashes keyed with a key made for this call only
    (for a million people the chance of any collision is about one in 40
    million; one would undercount a group by one).

    The rule for unusable timestamps (``allow_unreadable``) holds per
    partition: a partition whose present timestamps are more than half
    unreadable (or in the future) raises :class:`~locosuppress.SchemaError`
    when it is computed, even if the whole collection would pass. That is
    stricter than pandas, never looser.

    Returns:
        A :class:`DaskAnonymisationResult`: lazy events, and the report and
        aggregates on demand.

    Raises:
        SchemaError, InvalidOptionError: as :func:`locosuppress.anonymise_events`,
            checked against the columns before anything runs (the readable
            timestamps rule: when a partition is computed).
    """
    if not isinstance(events, dd.DataFrame):
        raise TypeError(
            f"events must be a Dask DataFrame, not {type(events).__name__}; "
            "for pandas use locosuppress.anonymise_events"
        )
    options = AnonymisationOptions(
        months=months,
        timestamp=timestamp,
        keep=keep,
        identity=identity,
        resolution=resolution,
        tz=tz,
        keep_query_params=keep_query_params,
        k=k,
        timestamp_unit=timestamp_unit,
        allow_unreadable=allow_unreadable,
        allow_future=allow_future,
    )
    plan = plan_with_cutoff(events.columns, options, now=now)
    key = secrets.token_hex(8)  # 16 characters, for this call only
    buckets = max(1, min(32, events.npartitions // 4))
    collection: Any = events
    # partitions keep only the categories they use: the collection's are unknown
    meta = clear_known_categories(anonymised_meta(events._meta, plan))
    parts = [
        delayed(anonymise_partition, pure=True)(part, plan, key, buckets)
        for part in collection.to_delayed()
    ]
    frames = tuple(part[0] for part in parts)
    anonymised = dd.from_delayed(
        list(frames), meta=meta, divisions=events.divisions, verify_meta=False
    )
    assert plan.cutoff is not None  # set by plan_with_cutoff
    return DaskAnonymisationResult(anonymised, plan.cutoff, _summary(plan, parts, buckets), frames)
