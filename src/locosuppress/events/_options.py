"""The options of one anonymisation, checked once into a frozen value.

The public functions take keyword-only options; they build one
:class:`AnonymisationOptions` from them (which checks every value that can be
checked without the frame) and pass it inward. What depends on the frame's
columns (is the timestamp there, which columns are kept) is resolved by the
plan (:mod:`locosuppress.events._plan`).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Collection, Hashable, Iterable
from typing import Any

import attrs

from locosuppress.errors import InvalidOptionError
from locosuppress.events._times import (
    RESOLUTIONS,
    TIMESTAMP_UNITS,
    Resolution,
    TimestampUnit,
    resolve_tz,
)

__all__ = [
    "DEFAULT_KEEP",
    "DEFAULT_KEEP_QUERY_PARAMS",
    "AnonymisationOptions",
    "names",
]

#: Column names (compared case-insensitively) kept on anonymised rows when ``keep=None``.
DEFAULT_KEEP: frozenset[str] = frozenset(
    {
        "campaign",
        "campaign_id",
        "campaign_name",
        "mailing",
        "mailing_id",
        "newsletter",
        "newsletter_id",
        "event",
        "event_type",
        "type",
        "url",
        "link",
        "link_id",
        "link_url",
    }
)

#: Query parameters that may stay in kept URLs by default.
DEFAULT_KEEP_QUERY_PARAMS: tuple[str, ...] = ("utm_source", "utm_medium", "utm_campaign")


def names(value: Hashable | Iterable[Hashable], /) -> tuple[Hashable, ...]:
    """One column name or several, as a tuple (a string is one name)."""
    if isinstance(value, str) or not isinstance(value, Iterable):
        return (value,)
    return tuple(value)


def _optional_names(value: Hashable | Iterable[Hashable] | None) -> tuple[Hashable, ...] | None:
    """None (decide from the columns), else the names as a tuple."""
    return None if value is None else names(value)


def _query_params(value: Collection[str]) -> frozenset[str]:
    """The allowed query parameter names; each must be non-empty text."""
    params = names(value)
    if not all(isinstance(p, str) and p for p in params):
        raise InvalidOptionError("keep_query_params must be non-empty parameter names (text)")
    return frozenset(str(p) for p in params)


def _check_months(_instance: Any, _attribute: Any, months: object) -> None:
    if isinstance(months, bool) or not isinstance(months, int) or months < 0:
        raise InvalidOptionError(f"months must be a whole number of at least 0, not {months!r}")


def _check_resolution(_instance: Any, _attribute: Any, resolution: object) -> None:
    if resolution not in RESOLUTIONS:
        raise InvalidOptionError(
            f"resolution must be 'day', 'hour', 'month' or None, not {resolution!r}"
        )


def _check_unit(_instance: Any, _attribute: Any, unit: object) -> None:
    if unit not in TIMESTAMP_UNITS:
        raise InvalidOptionError(
            f"timestamp_unit must be 's' (Unix seconds), 'ms' (milliseconds) or None, not {unit!r}"
        )


def _check_flag(_instance: Any, attribute: Any, value: object) -> None:
    if not isinstance(value, bool):
        raise InvalidOptionError(f"{attribute.name} must be True or False, not {value!r}")


def _check_k(_instance: Any, _attribute: Any, k: object) -> None:
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise InvalidOptionError(f"k must be a whole number of at least 1, not {k!r}")


@attrs.frozen(kw_only=True)
class AnonymisationOptions:
    """The options of :func:`~locosuppress.anonymise_events` and friends, checked once.

    Built from the public keywords (the same names and defaults) and passed
    inward unchanged; the time ``now`` is not an option but an argument of
    each call.

    Attributes:
        months: the age limit in calendar months (an erasure ignores it).
        timestamp: the column with the time of each event.
        keep: the columns kept on anonymised rows (besides the timestamp), as
            a tuple; None: those named like :data:`DEFAULT_KEEP`.
        identity: the columns that tell who an event belongs to, as a tuple;
            None: detected (:func:`~locosuppress.events.identity_columns`);
            ``()``: none.
        resolution: ``"day"``, ``"hour"``, ``"month"`` or None (exact times).
        tz: the zone of the wall clock (a zone name becomes its ``tzinfo``).
        keep_query_params: query parameters that may stay in kept URLs.
        k: groups of anonymised rows with fewer events than this are reported.
        timestamp_unit: ``"s"`` or ``"ms"``: the timestamp column holds Unix
            times (numbers, or text of numbers) in that unit; None: it holds
            times or ISO 8601 text, and numbers are refused (never guessed).
        allow_unreadable: anonymise (as old) even when more than half of the
            present timestamps are unreadable; default False: SchemaError.
        allow_future: treat times more than a day after ``now`` as recent;
            default False: they count as unreadable (sentinels such as
            9999-12-31), so the rows are anonymised and reported.

    Raises:
        InvalidOptionError: an option has an impossible value (a ValueError).
        TypeError: ``tz`` is neither a zone name nor a ``tzinfo``.
    """

    months: int = attrs.field(default=12, validator=_check_months)
    timestamp: Hashable = "timestamp"
    keep: tuple[Hashable, ...] | None = attrs.field(default=None, converter=_optional_names)
    identity: tuple[Hashable, ...] | None = attrs.field(default=None, converter=_optional_names)
    resolution: Resolution = attrs.field(default="day", validator=_check_resolution)
    tz: dt.tzinfo = attrs.field(default=zoneinfo.ZoneInfo("UTC"), converter=resolve_tz)
    keep_query_params: frozenset[str] = attrs.field(
        default=DEFAULT_KEEP_QUERY_PARAMS, converter=_query_params
    )
    k: int = attrs.field(default=5, validator=_check_k)
    timestamp_unit: TimestampUnit = attrs.field(default=None, validator=_check_unit)
    allow_unreadable: bool = attrs.field(default=False, validator=_check_flag)
    allow_future: bool = attrs.field(default=False, validator=_check_flag)
