"""The fail-closed rule for timestamp columns the anonymiser cannot read.

A timestamp that is no time (``gisteren``, a Unix time without
``timestamp_unit``) or more than a day after ``now`` (a sentinel such as
9999-12-31, unless ``allow_future``) cannot say whether its event is old, so
its row is anonymised as old and reported. When that is more than half of the
present timestamps, the column was most likely read the wrong way (Unix
times, another column, a broken export): anonymising everything and carrying
on would hide the mistake and destroy recent data, so :func:`check_readable`
raises instead, unless the caller passed ``allow_unreadable=True``.
"""

from __future__ import annotations

import re
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from locosuppress._vocabulary import shown
from locosuppress.errors import SchemaError
from locosuppress.events._plan import Plan

__all__ = ["check_readable"]

# What a Unix time looks like as text: 9 to 13 digits (2001-09-09 to 2286 in s or ms).
_UNIX_TIME: Final = re.compile(r"^\s*[+-]?[0-9]{9,13}(?:\.[0-9]*)?\s*$")
_SAMPLE: Final = 1000


def _look_like_unix_times(stamps: pd.Series, unreadable: npt.NDArray[np.bool_]) -> bool:
    """Whether most of (a sample of) the unreadable values are numbers like Unix times."""
    at = np.flatnonzero(unreadable)[:_SAMPLE]
    values = stamps.iloc[at].to_numpy(dtype=object)
    numeric = sum(1 for v in values if _UNIX_TIME.match(str(v)))
    return numeric * 2 > len(values)


def check_readable(
    stamps: pd.Series,
    plan: Plan,
    unreadable: npt.NDArray[np.bool_],
    future: npt.NDArray[np.bool_],
    present: npt.NDArray[np.bool_],
) -> None:
    """Raise when more than half of the present timestamps cannot be used.

    Args:
        stamps: the timestamp column as given.
        plan: the plan (its options say what is allowed).
        unreadable: per row, a value that is present but no time.
        future: per row, a time more than a day after ``now``.
        present: per row, a value that is not NA.

    Raises:
        SchemaError: more than half of the present values are unreadable (or,
            unless ``allow_future``, in the future), and not ``allow_unreadable``.
    """
    options = plan.options
    if options.allow_unreadable:
        return
    refused = unreadable if options.allow_future else unreadable | future
    bad, total = int(refused.sum()), int(present.sum())
    if bad * 2 <= total:
        return
    detail = []
    if unreadable.any():
        detail.append(f"{int(unreadable.sum()):,} are no time")
        if options.timestamp_unit is None and _look_like_unix_times(stamps, unreadable):
            detail.append(
                "they look like Unix times: say in which unit with timestamp_unit='s' or "
                "'ms' (command line: --timestamp-unit s|ms); they are never guessed"
            )
    if not options.allow_future and future.any():
        detail.append(
            f"{int(future.sum()):,} are more than a day after now (sentinels such as "
            "9999-12-31?); pass allow_future=True (--allow-future) if they are real"
        )
    raise SchemaError(
        f"{bad:,} of {total:,} timestamps in column {shown(plan.timestamp)} cannot be used "
        f"({'; '.join(detail)}). Check the column and its format; to anonymise those rows as "
        "old anyway, pass allow_unreadable=True (command line: --allow-unreadable)"
    )
