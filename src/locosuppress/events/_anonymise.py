"""The public entry point :func:`anonymise_events`, and the steps every entry point shares."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Hashable, Iterable
from typing import Any

import pandas as pd

from locosuppress.events._aggregates import aggregates, count_names
from locosuppress.events._frame import Outcome, anonymise_frame
from locosuppress.events._options import DEFAULT_KEEP_QUERY_PARAMS, AnonymisationOptions
from locosuppress.events._plan import Plan, plan_with_cutoff
from locosuppress.events._report import AnonymisationResult, build_report
from locosuppress.events._times import Resolution, TimestampUnit

__all__ = ["anonymise_events", "anonymize_events", "check_frame", "finish"]


def check_frame(events: Any) -> pd.DataFrame:
    """The events, if they are a pandas DataFrame.

    Raises:
        TypeError: anything else (with a hint for Dask).
    """
    if not isinstance(events, pd.DataFrame):
        raise TypeError(
            f"events must be a pandas DataFrame, not {type(events).__name__}; "
            "for Dask use locosuppress.dask.anonymise_events"
        )
    return events


def finish(outcome: Outcome, plan: Plan) -> AnonymisationResult:
    """The result of one frame's work: its events, report and aggregates."""
    counted = aggregates(outcome, plan)
    report = build_report(plan, outcome.counts, counted, events_name=count_names(plan)[0])
    return AnonymisationResult(outcome.events, report, counted)


def anonymise_events(
    events: pd.DataFrame,
    /,
    *,
    now: pd.Timestamp | dt.datetime | str | None = None,
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
) -> AnonymisationResult:
    """Anonymise the events older than ``months`` calendar months.

    An event is old when its timestamp is strictly earlier than ``now`` minus
    ``months`` months (``pandas.DateOffset`` arithmetic on the wall clock in
    ``tz``). Missing or unreadable timestamps count as old, and so do times
    more than a day after ``now`` (unless ``allow_future``). When more than
    half of the present timestamps are unreadable (or in the future), the
    call raises instead (unless ``allow_unreadable``). Old rows keep only the
    allow-listed columns (scrubbed) and a floored timestamp; recent rows come
    back exactly as they were (categorical columns lose unused categories).

    Args:
        events: one row per open or click; never modified.
        now: the reference time (aware: an instant; naive: a wall time in
            ``tz``); default the current time. Pass it for reproducible runs.
        months: the age limit in calendar months.
        timestamp: the column with the time of each event (datetime64, aware
            or naive, or ISO 8601 text).
        keep: the columns kept on old rows (besides the timestamp); default
            those named like :data:`DEFAULT_KEEP`. Names match like address
            column names: case and punctuation do not count.
        identity: the column(s) that tell who an event belongs to, for the
            distinct-people counts; default :func:`identity_columns`; ``()``
            for none.
        resolution: ``"day"``, ``"hour"``, ``"month"`` or None (keep exact times).
        tz: the zone of the wall clock: month arithmetic, naive times, flooring.
        keep_query_params: query parameters that may stay in kept URLs.
        k: groups of old rows with fewer events than this are reported.
        timestamp_unit: ``"s"`` or ``"ms"`` when the timestamp column holds
            Unix times (numbers or text of numbers); never guessed.
        allow_unreadable: anonymise even when more than half of the present
            timestamps are unreadable or in the future.
        allow_future: treat times more than a day after ``now`` as recent.

    Returns:
        The anonymised events, the report and the aggregates.

    Raises:
        SchemaError: the timestamp column, a ``keep`` or ``identity`` column is
            missing, column names repeat, ``keep`` holds an identifying
            column, the timestamp column holds no times (numbers without
            ``timestamp_unit``), more than half of its present values cannot
            be used (without ``allow_unreadable``), or an identity column
            holds lists or structs.
        InvalidOptionError: an option has an impossible value, or ``now`` is
            no time (text must be ISO 8601) (a ValueError).
    """
    events = check_frame(events)
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
    return finish(anonymise_frame(events, plan), plan)


#: The US spelling of :func:`anonymise_events` (the same function).
anonymize_events = anonymise_events
