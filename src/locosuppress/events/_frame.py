"""The work on one frame (or one Dask partition): select the rows, anonymise them.

The rows to anonymise are the old ones (by the plan's cutoff) or the chosen
ones (an erasure). Each column is one independent task: the timestamp is
coarsened, kept columns are scrubbed (:mod:`locosuppress.events._kept`), the
others are emptied; the people are numbered before anything is emptied. On
big frames the tasks run on a few threads of a standard
``concurrent.futures.ThreadPoolExecutor`` (Arrow and NumPy release the GIL).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

from locosuppress.events._columns import (
    Codes,
    combine_codes,
    compact,
    empty,
    factorize,
    is_text,
    nullable,
    series_of,
)
from locosuppress.events._kept import Scrubbed, scrub_column
from locosuppress.events._people import People, identity_codes
from locosuppress.events._plan import Plan
from locosuppress.events._readable import check_readable
from locosuppress.events._report import Counts
from locosuppress.events._times import TimeColumn, time_column

__all__ = ["Outcome", "anonymise_frame", "threads_for"]

_T = TypeVar("_T")

# Frames from this many rows up are worked on with a few threads, one column each.
_PARALLEL_ROWS = 200_000


@attrs.frozen(kw_only=True)
class Outcome:
    """The anonymised frame plus what the aggregates need, for one frame."""

    events: pd.DataFrame
    counts: Counts
    positions: npt.NDArray[np.intp]  # selected rows
    groups: Codes  # group of each selected row, by first appearance
    group_count: int
    people: People


def _plain_index(index: pd.Index, *, partition: bool) -> bool:
    """A RangeIndex 0, 1, 2, ... (a partition of one: any start)."""
    if not isinstance(index, pd.RangeIndex) or index.step != 1:
        return False
    return partition or index.start == 0


def threads_for(rows: int) -> int:
    """Worker threads for one frame: Arrow and NumPy release the GIL on big columns."""
    if rows < _PARALLEL_ROWS:
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, 4))


def _run(tasks: Sequence[Callable[[], _T]], threads: int) -> list[_T]:
    """Run independent column tasks, in parallel when that helps; results in task order."""
    if threads <= 1 or len(tasks) <= 1:
        return [task() for task in tasks]
    with ThreadPoolExecutor(max_workers=min(threads, len(tasks))) as pool:
        futures = [pool.submit(task) for task in tasks]
        return [future.result() for future in futures]


def _stamp_work(
    times: TimeColumn,
    positions: npt.NDArray[np.intp],
    plan: Plan,
    blanked: npt.NDArray[np.bool_],
) -> Scrubbed:
    """Coarsen the selected timestamps; ``blanked`` ones (future times) become NA."""
    stamps, changed = times.coarsen(positions, plan.options.resolution)
    if blanked.any():
        stamps = empty(nullable(stamps), blanked)
        changed = changed | blanked[positions]
    return Scrubbed(stamps, changed, 0, 0, factorize(stamps.iloc[positions].array))


def _empty_work(
    column: pd.Series, selected: npt.NDArray[np.bool_], positions: npt.NDArray[np.intp]
) -> Scrubbed:
    column = nullable(column)
    present = column.notna().to_numpy()[positions]
    return Scrubbed(empty(column, selected), present, 0, 0, (positions[:0].astype(np.int64), 0))


def anonymise_frame(
    events: pd.DataFrame,
    plan: Plan,
    *,
    chosen: npt.NDArray[np.bool_] | None = None,
    partition: bool = False,
    threads: int | None = None,
) -> Outcome:
    """Anonymise the old rows (or the ``chosen`` ones) of one frame.

    Args:
        events: the frame; never modified.
        plan: the plan (with a cutoff unless ``chosen`` is given).
        chosen: per row, whether to anonymise it (an erasure); None: the old rows.
        partition: whether the frame is one partition of many (then a
            RangeIndex with any start counts as plain).
        threads: how many column tasks run at once; None: by the frame's size.

    Returns:
        The anonymised frame, its counts, and what the aggregates need.
    """
    size = len(events)
    options = plan.options
    stamps = series_of(events, plan.timestamp)
    times = time_column(stamps, options.tz, name=plan.timestamp, unit=options.timestamp_unit)
    unreadable = times.missing & ~times.blank
    future = np.zeros(size, dtype=bool)
    if chosen is None:
        assert plan.cutoff is not None
        assert plan.cutoff_wall is not None
        assert plan.future is not None
        assert plan.future_wall is not None
        future = times.later_than(plan.future, plan.future_wall)
        check_readable(stamps, plan, unreadable, future, ~times.blank)
        selected = times.missing | times.older_than(plan.cutoff, plan.cutoff_wall)
        if not options.allow_future:
            selected |= future
    else:
        selected = chosen
    positions = np.flatnonzero(selected)
    params = options.keep_query_params

    # One task per column (and one for the people), the costly ones first.
    work: dict[Hashable, Callable[[], Scrubbed]] = {}
    for name in events.columns:
        column = series_of(events, name)
        if name == plan.timestamp:
            blanked = np.zeros(size, dtype=bool) if options.allow_future else future
            work[name] = functools.partial(_stamp_work, times, positions, plan, blanked)
        elif name in plan.keep:
            work[name] = functools.partial(scrub_column, column, positions, params)
        else:
            work[name] = functools.partial(_empty_work, column, selected, positions)
    order = sorted(work, key=lambda name: _cost(series_of(events, name), name in plan.keep))
    # The people come second: costly too, and they need the values before emptying.
    people_task = functools.partial(identity_codes, events, plan.identity, positions)
    first, *rest = [work[name] for name in order]  # there is always the timestamp
    tasks: list[Callable[[], Any]] = [first, people_task, *rest]
    results = _run(tasks, threads_for(size) if threads is None else threads)
    people: People = results.pop(1)
    done: dict[Hashable, Scrubbed] = dict(zip(order, results, strict=True))

    out = events.copy(deep=False)
    changed = np.zeros(len(positions), dtype=bool)
    codes: list[tuple[Codes, int]] = []
    for i, name in enumerate(events.columns):
        result = done[name]
        # a Series keeps its dtype (an array may be re-inferred); no unused category is kept
        new: Any = compact(result.column)
        out.isetitem(i, new)
        changed |= result.changed
        if name == plan.timestamp or name in plan.keep:
            codes.append(result.codes)
    groups, group_count = combine_codes(codes, len(positions))
    counts = Counts(
        rows_seen=size,
        rows_selected=len(positions),
        rows_changed=int(changed.sum()),
        rows_missing_timestamp=int(times.missing[positions].sum()),
        rows_unreadable_timestamp=int(unreadable[positions].sum()),
        rows_future_timestamp=int(future.sum()),
        urls_scrubbed=sum(r.urls for r in done.values()),
        addresses_replaced=sum(r.addresses for r in done.values()),
        plain_index=_plain_index(events.index, partition=partition),
        values_dropped=tuple(
            (str(name), done[name].dropped) for name in plan.keep if done[name].dropped
        ),
    )
    return Outcome(
        events=out,
        counts=counts,
        positions=positions,
        groups=groups,
        group_count=group_count,
        people=people,
    )


def _cost(column: pd.Series, kept: bool) -> int:
    """Sort key: kept text first (scrubbed), then other text, then the rest."""
    text = is_text(column.dtype)
    return 0 if kept and text else 1 if text else 2
