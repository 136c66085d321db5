"""Anonymisation split over partitions (the seam :mod:`locosuppress.dask` uses).

Each partition is anonymised by the per-frame code against one plan, made
once (:func:`plan_with_cutoff`), and yields a :class:`Partial`: its counts,
its groups with their event counts, and its distinct (group, person) pairs as
keyed 64-bit hashes. :func:`count_people` counts distinct people per group over
one bucket of pairs from every partition; :func:`combine_partials` adds
everything up into the report and aggregates of the whole collection, equal
to what the pandas function gives on the same rows.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

from locosuppress.events._aggregates import (
    count_names,
    distinct_pairs,
    finish_aggregates,
    group_rows,
)
from locosuppress.events._frame import anonymise_frame
from locosuppress.events._plan import Plan, plan_with_cutoff
from locosuppress.events._report import AnonymisationReport, Counts, build_report

__all__ = [
    "Partial",
    "anonymise_partition",
    "anonymised_meta",
    "combine_partials",
    "count_people",
    "plan_with_cutoff",
]

_GROUP = "__locosuppress_group__"
_EVENTS = "__locosuppress_events__"


@attrs.frozen(kw_only=True)
class Partial:
    """What one partition contributes to the report and the aggregates.

    ``groups`` holds each group's key values, a 64-bit hash of them and its
    event count. ``pairs`` holds, split into buckets by group hash, the
    distinct (group hash, person hash) pairs; person hashes are keyed with a
    random key made for this run only, so they mean nothing afterwards.
    """

    counts: Counts
    groups: pd.DataFrame
    pairs: tuple[npt.NDArray[np.uint64], ...]


def _hash_rows(frame: pd.DataFrame, key: str) -> npt.NDArray[np.uint64]:
    if frame.empty:
        return np.zeros(len(frame), dtype=np.uint64)
    hashed = pd.util.hash_pandas_object(frame, index=False, hash_key=key)
    return np.asarray(hashed.to_numpy(), dtype=np.uint64)


def anonymise_partition(
    events: pd.DataFrame, plan: Plan, key: str, buckets: int
) -> tuple[pd.DataFrame, Partial]:
    """Anonymise one partition and compute its share of the report and aggregates.

    Args:
        events: the partition; never modified.
        plan: the one plan of the whole collection (with its cutoff).
        key: the key of this run's 64-bit group and person hashes.
        buckets: how many buckets the (group, person) pairs are split into.

    Returns:
        The anonymised partition and its :class:`Partial`.
    """
    outcome = anonymise_frame(events, plan, partition=True, threads=1)
    rows = group_rows(outcome, plan)
    group_hash = _hash_rows(rows, key)
    groups = rows.assign(
        **{
            _GROUP: group_hash,
            _EVENTS: np.bincount(outcome.groups, minlength=outcome.group_count),
        }
    )
    split: list[npt.NDArray[np.uint64]] = [np.zeros((0, 2), dtype=np.uint64)] * buckets
    if plan.identity:
        people = outcome.people
        pair_groups, pair_people = distinct_pairs(outcome.groups, people.codes, people.count)
        known = np.flatnonzero(people.codes >= 0)
        first = known[np.unique(people.codes[known], return_index=True)[1]]
        person_hash = _hash_rows(people.frame(first), key)
        pairs = np.column_stack([group_hash[pair_groups], person_hash[pair_people]])
        bucket = pairs[:, 0] % np.uint64(buckets)
        split = [pairs[bucket == b] for b in range(buckets)]
    return outcome.events, Partial(counts=outcome.counts, groups=groups, pairs=tuple(split))


def anonymised_meta(meta: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    """The empty frame an anonymised partition looks like (Dask's ``meta``)."""
    return anonymise_frame(meta, plan, partition=True, threads=1).events


def count_people(pairs: Sequence[npt.NDArray[np.uint64]]) -> pd.Series:
    """Distinct people per group hash, from one bucket of every partition."""
    stacked = np.concatenate([p for p in pairs if len(p)] or [np.zeros((0, 2), np.uint64)])
    frame = pd.DataFrame({"g": stacked[:, 0], "p": stacked[:, 1]}).drop_duplicates()
    return frame.groupby("g").size()


def combine_partials(
    plan: Plan,
    counts: Sequence[Counts],
    groups: Sequence[pd.DataFrame],
    people: Sequence[pd.Series],
) -> tuple[AnonymisationReport, pd.DataFrame]:
    """The report and aggregates of a whole collection, from its partitions' partials."""
    total = functools.reduce(lambda a, b: a + b, counts, Counts())
    every = pd.concat(list(groups), ignore_index=True)
    sums = every.groupby(_GROUP, sort=False)[_EVENTS].sum()
    firsts = every.drop_duplicates(_GROUP)
    keys = firsts.drop(columns=[_GROUP, _EVENTS]).reset_index(drop=True)
    events = sums.reindex(firsts[_GROUP]).to_numpy()
    if plan.identity:
        found = pd.concat(list(people)) if people else pd.Series(dtype=np.int64)
        counted: Any = found.reindex(firsts[_GROUP], fill_value=0).to_numpy()
    else:
        counted = [pd.NA] * len(firsts)
    aggregates = finish_aggregates(keys, events, counted, plan)
    report = build_report(plan, total, aggregates, events_name=count_names(plan)[0])
    return report, aggregates
