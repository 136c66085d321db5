"""The plan of one anonymisation: the options resolved against the frame's columns.

A plan says which column holds the time, which columns are kept (and
scrubbed), which are emptied, which tell who an event belongs to and, for
:func:`~locosuppress.anonymise_events`, the one cutoff instant. It is made
once per call (for Dask: once, on the client) and used for every frame or
partition.
"""

from __future__ import annotations

import difflib
from collections.abc import Hashable
from typing import Any

import attrs
import pandas as pd

from locosuppress._vocabulary import shown, squash_name
from locosuppress.errors import SchemaError
from locosuppress.events._options import DEFAULT_KEEP, AnonymisationOptions
from locosuppress.events._people import detect_identity, is_identifying_name
from locosuppress.events._times import cutoff, read_now

__all__ = ["FUTURE_MARGIN", "Plan", "make_plan", "plan_with_cutoff"]

#: Times later than ``now`` plus this are in the future (clocks and zones differ a little).
FUTURE_MARGIN = pd.Timedelta(days=1)


@attrs.frozen(kw_only=True)
class Plan:
    """Validated options, resolved against the frame's columns.

    Attributes:
        options: the options, as given.
        keep: the kept columns (besides the timestamp), in frame order.
        emptied: the columns set to NA on selected rows, in frame order.
        identity: the columns that tell who an event belongs to.
        cutoff: events strictly before this instant are old; None for an erasure.
        cutoff_wall: the cutoff as a naive wall time in the options' zone.
        future: events strictly after this instant (a day after ``now``) are
            in the future; None for an erasure.
        future_wall: the same as a naive wall time in the options' zone.
    """

    options: AnonymisationOptions
    keep: tuple[Hashable, ...]
    emptied: tuple[Hashable, ...]
    identity: tuple[Hashable, ...]
    cutoff: pd.Timestamp | None = None
    cutoff_wall: pd.Timestamp | None = None
    future: pd.Timestamp | None = None
    future_wall: pd.Timestamp | None = None

    @property
    def timestamp(self) -> Hashable:
        """The timestamp column."""
        return self.options.timestamp

    @property
    def months(self) -> int | None:
        """The age limit in calendar months; None for an erasure (no cutoff)."""
        return None if self.cutoff is None else self.options.months


def plan_with_cutoff(columns: pd.Index, options: AnonymisationOptions, *, now: Any) -> Plan:
    """Plan the columns and fix the cutoff instant once.

    Args:
        columns: the frame's column labels.
        options: the checked options.
        now: the reference time (aware: an instant; naive: a wall time in the
            options' zone); None: the current time.

    Raises:
        SchemaError: as :func:`make_plan`.
        InvalidOptionError: ``now`` is not a time.
    """
    plan = make_plan(columns, options)
    stamp = pd.Timestamp.now(tz=options.tz) if now is None else read_now(now)
    instant, wall = cutoff(stamp, options.months, options.tz)
    future = cutoff(stamp, 0, options.tz)[0] + FUTURE_MARGIN
    future_wall = future.tz_convert(options.tz).tz_localize(None)
    return attrs.evolve(
        plan, cutoff=instant, cutoff_wall=wall, future=future, future_wall=future_wall
    )


def make_plan(columns: pd.Index, options: AnonymisationOptions) -> Plan:
    """Resolve the options against the column labels (no cutoff: an erasure's plan).

    Raises:
        SchemaError: column names repeat, the timestamp column is missing, a
            ``keep`` or ``identity`` column is missing, or ``keep`` holds an
            identifying column.
    """
    timestamp = options.timestamp
    if not columns.is_unique:
        repeated = sorted({str(c) for c in columns[columns.duplicated()]})
        raise SchemaError(f"column names must be unique; repeated: {', '.join(repeated)}")
    if timestamp not in columns:
        raise SchemaError(
            f"no timestamp column {timestamp!r}; pass timestamp= with the column that holds "
            "when each event happened"
        )

    if options.keep is None:
        kept = tuple(c for c in columns if isinstance(c, str) and c.casefold() in DEFAULT_KEEP)
    else:
        wanted = {_match_keep(name, columns) for name in options.keep}
        kept = tuple(c for c in columns if c in wanted)
    kept = tuple(c for c in kept if c != timestamp)

    if options.identity is None:
        people = detect_identity(columns)
    else:
        people = options.identity
        unknown = [str(c) for c in people if c not in columns]
        if unknown:
            raise SchemaError(f"identity names columns that are not there: {', '.join(unknown)}")
        if timestamp in people:
            raise SchemaError("the timestamp column cannot be the identity column")
    identifying = [str(c) for c in kept if c in people or is_identifying_name(c)]
    if identifying:
        raise SchemaError(
            f"refusing to keep identifying columns on anonymised rows: {', '.join(identifying)}"
        )
    emptied = tuple(c for c in columns if c != timestamp and c not in kept)
    return Plan(options=options, keep=kept, emptied=emptied, identity=people)


def _match_keep(name: Hashable, columns: pd.Index) -> Hashable:
    """The column a ``keep`` name means: itself, else the one column it squashes like.

    Names are compared like address column names: case and punctuation do not
    count (:func:`~locosuppress._vocabulary.squash_name`), so ``campaign name``
    is ``campaign_name``.

    Raises:
        SchemaError: no column fits (the close names are listed), or several do.
    """
    if name in columns:
        return name
    squashed = squash_name(name)
    fits = [c for c in columns if isinstance(c, str) and squash_name(c) == squashed]
    if len(fits) == 1:
        return fits[0]
    if fits:
        raise SchemaError(
            f"keep name {shown(name)} fits several columns ({', '.join(map(shown, fits))}); "
            "name one of them exactly"
        )
    by_squash: dict[str, list[Hashable]] = {}
    for column in columns:
        by_squash.setdefault(squash_name(column), []).append(column)
    close = difflib.get_close_matches(squashed, list(by_squash), n=3, cutoff=0.6)
    hint = (
        "; did you mean " + " or ".join(shown(c) for s in close for c in by_squash[s])
        if close
        else "; the columns are " + ", ".join(shown(c) for c in columns[:20])
    )
    raise SchemaError(f"keep names a column that is not there: {shown(name)}{hint}")
