"""The aggregates: events and distinct people per group of anonymised rows.

A group is one combination of kept values (after scrubbing) and coarsened
timestamp. The counts are taken before the identity columns are emptied, so
that unique opens and clicks survive anonymisation as numbers.
"""

from __future__ import annotations

import contextlib
from collections.abc import Hashable
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from locosuppress.events._columns import Codes, compact, first_positions
from locosuppress.events._frame import Outcome
from locosuppress.events._plan import Plan

__all__ = ["aggregates", "count_names", "distinct_pairs", "finish_aggregates", "group_rows"]


def count_names(plan: Plan) -> tuple[str, str]:
    """Names for the event and people counts that no key column already uses."""
    taken = {str(c) for c in (*plan.keep, plan.timestamp)}
    events_name, people_name = "events", "people"
    while events_name in taken:
        events_name = "_" + events_name
    while people_name in taken:
        people_name = "_" + people_name
    return events_name, people_name


def _key_columns(plan: Plan, columns: pd.Index) -> list[Hashable]:
    return [c for c in columns if c == plan.timestamp or c in plan.keep]


def group_rows(outcome: Outcome, plan: Plan) -> pd.DataFrame:
    """The key values of each group (first row of each), in first-appearance order."""
    rows = outcome.positions[first_positions(outcome.groups, outcome.group_count)]
    keys = _key_columns(plan, outcome.events.columns)
    found = outcome.events[keys].iloc[rows].reset_index(drop=True)
    # only the categories of these groups: recent rows' values are no business of theirs
    for position in range(found.shape[1]):
        column: Any = compact(found.iloc[:, position])
        found.isetitem(position, column)
    return found


def finish_aggregates(
    keys: pd.DataFrame, events: npt.NDArray[np.int64], people: Any, plan: Plan
) -> pd.DataFrame:
    """Add the counts; order by time bucket, then by first appearance."""
    events_name, people_name = count_names(plan)
    out = keys.copy(deep=False)
    out[events_name] = np.asarray(events, dtype=np.int64)
    out[people_name] = pd.array(people, dtype="Int64")
    if len(out) > 1:
        # Mixed kinds in an object column cannot be sorted: first-appearance order then.
        with contextlib.suppress(TypeError):
            by: Any = plan.timestamp
            out = out.sort_values(by, na_position="last", kind="stable", ignore_index=True)
    return out


def distinct_pairs(
    groups: Codes, people: Codes, people_count: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The distinct (group, person) pairs among rows with a known person."""
    known = people >= 0
    groups, people = groups[known], people[known]
    width = max(people_count, 1)
    if len(groups) and int(groups.max()) >= 2**62 // width:  # pragma: no cover - > 2**31 rows
        frame = pd.DataFrame({"g": groups, "p": people}).drop_duplicates()
        return frame["g"].to_numpy(), frame["p"].to_numpy()
    pairs = np.asarray(pd.unique(groups * width + people), dtype=np.int64)
    return pairs // width, pairs % width


def aggregates(outcome: Outcome, plan: Plan) -> pd.DataFrame:
    """One row per group of the frame's anonymised rows, with ``events`` and ``people``."""
    count = outcome.group_count
    events = np.bincount(outcome.groups, minlength=count)
    if plan.identity:
        people_codes = outcome.people
        pair_groups, _ = distinct_pairs(outcome.groups, people_codes.codes, people_codes.count)
        people: Any = np.bincount(pair_groups, minlength=count)
    else:
        people = [pd.NA] * count
    return finish_aggregates(group_rows(outcome, plan), events, people, plan)
