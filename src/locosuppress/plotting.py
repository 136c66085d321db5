"""Pictures of results, for people who would rather look than read.

:func:`plot_events_per_month` draws, from an anonymisation result, how many
events each month holds and how many of them still say who did it: the bars
turn from "anonymised" to "identified" at the cutoff, so a glance shows that
nothing older than the age limit still points at a person.

Needs matplotlib, the ``plot`` extra (``pip install "locosuppress[plot]"``),
imported only when a plot is drawn. :func:`events_per_month` gives the same
counts as a table without it.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from locosuppress.errors import MissingExtraError

if TYPE_CHECKING:
    from locosuppress.events import AnonymisationResult

__all__ = ["events_per_month", "plot_events_per_month"]

_PLOT_EXTRA: Final = 'plotting needs matplotlib, the "plot" extra: pip install "locosuppress[plot]"'
_OFFSET: Final = (
    r"[T ]\d{1,2}(?::?\d{2}(?::?\d{2}(?:[.,]\d+)?)?)?\s*(?:[Zz]|[+-]\d{2}(?::?\d{2})?)\s*$"
)
_COLOURS: Final = {"identified": "#d95f02", "anonymised": "#7570b3"}


def _wall_clock(column: pd.Series, tz: str) -> pd.Series:
    """Times on the wall clock of ``tz`` (naive datetime64); unreadable values are NaT."""
    if isinstance(column.dtype, pd.DatetimeTZDtype):
        wall: pd.Series = column.dt.tz_convert(tz).dt.tz_localize(None)
        return wall
    if pd.api.types.is_datetime64_dtype(column.dtype):
        return column
    values = column.astype(object)
    out = pd.Series(pd.NaT, index=column.index, dtype="datetime64[ns]")
    is_text = values.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
    if is_text.any():
        text = values[is_text].astype(str).str.strip()
        aware = text.str.contains(_OFFSET, regex=True).to_numpy(dtype=bool)
        if (~aware).any():
            naive = pd.to_datetime(text[~aware], format="ISO8601", errors="coerce")
            out[text.index[~aware]] = naive.astype("datetime64[ns]")
        if aware.any():
            instants = pd.to_datetime(text[aware], format="ISO8601", errors="coerce", utc=True)
            local = instants.dt.tz_convert(tz).dt.tz_localize(None)
            out[text.index[aware]] = local.astype("datetime64[ns]")
    for label in values.index[~is_text & values.notna().to_numpy(dtype=bool)]:
        try:
            stamp = pd.Timestamp(values[label])
        except (TypeError, ValueError):
            continue
        if stamp.tzinfo is not None:
            stamp = stamp.tz_convert(tz).tz_localize(None)
        out[label] = stamp
    return out


def _present(frame: pd.DataFrame, names: tuple[str, ...]) -> npt.NDArray[np.bool_] | None:
    """Rows where any of the named columns holds a value (blank text counts as none)."""
    columns: list[Hashable] = [c for c in frame.columns if str(c) in names]
    if not columns:
        return None
    present = np.zeros(len(frame), dtype=bool)
    for name in columns:
        column = frame[name]
        filled = column.notna().to_numpy(dtype=bool)
        text = column.astype(object).map(lambda v: isinstance(v, str) and not v.strip())
        present |= filled & ~text.to_numpy(dtype=bool)
    return present


def events_per_month(result: AnonymisationResult, /) -> pd.DataFrame:
    """Count the events of an anonymisation result per month, identified or anonymised.

    A row is *identified* when one of the report's identity columns (such as
    ``email``) still holds a value; without identity columns, when its time is
    not before the cutoff. Months are calendar months on the wall clock of the
    report's time zone; rows without a readable time are left out.

    Args:
        result: what :func:`locosuppress.anonymise_events` (or
            ``erase_contact``) returned.

    Returns:
        One row per month from the first to the last (``YYYY-MM`` period
        index, empty months included) with the columns ``identified`` and
        ``anonymised``.
    """
    report = result.report
    events = result.events
    wall = _wall_clock(events[_column(events, report.timestamp)], report.tz)
    identified = _present(events, report.identity)
    if identified is None:
        if report.cutoff is not None:
            cutoff = report.cutoff.tz_convert(report.tz).tz_localize(None)
            identified = (wall >= cutoff).to_numpy(dtype=bool)
        else:
            emptied = _present(events, report.columns_emptied)
            identified = emptied if emptied is not None else np.ones(len(events), dtype=bool)
    known = wall.notna().to_numpy(dtype=bool)
    months = wall[known].dt.to_period("M")
    kind = np.where(identified[known], "identified", "anonymised")
    counts = pd.crosstab(months.to_numpy(), kind) if len(months) else pd.DataFrame()
    counts = counts.reindex(columns=["identified", "anonymised"], fill_value=0)
    if len(counts):
        full = pd.period_range(counts.index.min(), counts.index.max(), freq="M")
        counts = counts.reindex(full, fill_value=0)
    counts.index = pd.PeriodIndex(counts.index, freq="M", name="month")
    counts.columns.name = None
    return counts.astype("int64")


def _column(frame: pd.DataFrame, name: str) -> Hashable:
    """The frame's column whose name reads as ``name`` (reports hold names as text)."""
    for column in frame.columns:
        if str(column) == name:
            return column
    raise KeyError(f"the events have no column {name!r}")


def plot_events_per_month(result: AnonymisationResult, /, *, ax: Any = None) -> Any:
    """Draw the events per month as stacked bars: identified and anonymised.

    A dashed line marks the cutoff of an anonymisation: every bar left of it
    should be anonymised only.

    Args:
        result: what :func:`locosuppress.anonymise_events` returned.
        ax: a matplotlib ``Axes`` to draw on (default: a new figure).

    Returns:
        The matplotlib ``Axes``.

    Raises:
        MissingExtraError: matplotlib (the ``plot`` extra) is not installed (an
            ``ImportError``).
    """
    try:
        import matplotlib  # noqa: F401  # only to say which extra is missing
    except ImportError:
        raise MissingExtraError(_PLOT_EXTRA) from None
    counts = events_per_month(result)
    created = ax is None
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(max(6.0, 0.35 * len(counts) + 2.0), 3.5))
    x = np.arange(len(counts))
    bottom = np.zeros(len(counts), dtype=np.int64)
    for kind in ("anonymised", "identified"):
        values = counts[kind].to_numpy()
        ax.bar(x, values, bottom=bottom, width=0.8, label=kind, color=_COLOURS[kind])
        bottom = bottom + values
    labels = [str(month) for month in counts.index]
    step = max(1, len(labels) // 12)
    ax.set_xticks(x[::step], labels[::step], rotation=45, ha="right")
    cutoff = result.report.cutoff
    if cutoff is not None and len(counts):
        month = cutoff.tz_convert(result.report.tz).tz_localize(None).to_period("M")
        first = counts.index[0]
        position = (month - first).n if month >= first else -1
        day = cutoff.tz_convert(result.report.tz).day
        days = cutoff.tz_convert(result.report.tz).days_in_month
        ax.axvline(
            position - 0.5 + (day - 1) / days,
            color="black",
            linestyle="--",
            linewidth=1,
            label=f"cutoff ({result.report.months} months)",
        )
    ax.set_ylabel("events")
    ax.set_title("Events per month: identified vs anonymised")
    top = int(bottom.max()) if len(bottom) else 0
    ax.set_ylim(0, max(1.0, top * 1.3))  # room for the legend above the bars
    ax.legend(loc="upper left", ncols=3, frameon=False)
    ax.margins(x=0.01)
    if created:
        ax.figure.tight_layout()
    return ax
