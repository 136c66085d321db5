"""Benchmark: ``RetentionPolicy.apply`` of the LocoMail preset against hand-written pandas.

Builds five tables of the preset's delete rules (requests, purchases,
customers, mailing jobs, mailbox messages), 1,000,000 rows in all by default,
with naive datetime64 dates spread over nine years (a few missing) and a few
text columns, then times, in the same process, the pandas an analyst would
write for the same deletions (one boolean mask per table: the kinds, the
cutoff ``now - N months`` with ``pandas.DateOffset``, missing dates dropped)
and ``LOCOMAIL.for_tables(...).apply(...)``. One untimed call of each first,
then ``--repeat`` timed rounds, alternating. It checks that both keep the same
rows, and prints the best and median time of each and their ratio.

The opens-and-clicks rule (anonymisation, not deletion) is left out: its
speed is measured by ``bench_events.py``.

Usage::

    python benchmarks/bench_retention.py                  # 1,000,000 rows
    python benchmarks/bench_retention.py --rows 200000 --repeat 3
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from locosuppress.retention import LOCOMAIL

NOW = pd.Timestamp("2026-01-15 12:00")
TZ = "Europe/Amsterdam"
# Share of the rows per table.
SHARES = {"requests": 0.3, "purchases": 0.25, "customers": 0.15, "mailing_jobs": 0.05}
SHARES["messages"] = 0.25
DATES = {
    "requests": "requested_at",
    "purchases": "purchased_at",
    "customers": "received_at",
    "mailing_jobs": "completed_at",
    "messages": "last_contact_at",
}


def _dates(rng: np.random.Generator, n: int) -> pd.Series:
    seconds = rng.integers(0, 9 * 365 * 86400, n)
    stamps = NOW - pd.to_timedelta(seconds, unit="s") + pd.Timedelta(days=30)
    series = pd.Series(stamps, dtype="datetime64[us]")
    series[rng.random(n) < 0.001] = pd.NaT
    return series


def build(rows: int, *, seed: int = 0) -> dict[str, pd.DataFrame]:
    """The five tables, ``rows`` rows in all."""
    rng = np.random.default_rng(seed)
    tables = {}
    for name, share in SHARES.items():
        n = int(rows * share)
        frame = pd.DataFrame(
            {
                DATES[name]: _dates(rng, n),
                "klant_id": rng.integers(1, 50_000, n),
                "notitie": pd.Series(rng.choice(["bel", "mail", "offerte", "x"], n), dtype="str"),
            }
        )
        if name == "requests":
            kinds = rng.choice(["sample", "quote", "demo", "order", "other"], n)
            frame.insert(0, "kind", pd.Series(kinds, dtype="str"))
        if name == "mailing_jobs":
            frame["path"] = pd.Series([f"job-{i}" for i in range(n)], dtype="str")
        tables[name] = frame
    return tables


def baseline(tables: dict[str, pd.DataFrame], now: pd.Timestamp) -> dict[str, pd.DataFrame]:
    """The same deletions, as an analyst writes them in pandas."""

    def old(frame: pd.DataFrame, column: str, months: int) -> pd.Series:
        dates = frame[column]
        return dates.isna() | (dates < now - pd.DateOffset(months=months))

    r = tables["requests"]
    drop = (r["kind"].isin(["sample", "quote"]) & old(r, "requested_at", 6)) | (
        r["kind"].isin(["demo", "order", "other"]) & old(r, "requested_at", 24)
    )
    out = {"requests": r[~drop]}
    for name, months in (("purchases", 84), ("customers", 24), ("mailing_jobs", 2)):
        out[name] = tables[name][~old(tables[name], DATES[name], months)]
    out["messages"] = tables["messages"][~old(tables["messages"], "last_contact_at", 6)]
    return out


POLICY = LOCOMAIL.for_tables(*SHARES)


def ours(tables: dict[str, pd.DataFrame], now: pd.Timestamp) -> dict[str, pd.DataFrame]:
    """``apply`` of the preset's delete rules."""
    return POLICY.apply(tables, now=now, tz=TZ).tables


def _time(call: Callable[[], Any]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    tables = build(args.rows)
    # The baseline compares naive wall times: give it the wall-clock now in the zone.
    warnings.simplefilter("error")
    expected = baseline(tables, NOW)
    got = ours(tables, NOW)
    for name in tables:
        assert expected[name].index.equals(got[name].index), name
    kept = sum(len(f) for f in got.values())
    print(f"{args.rows:,} rows in {len(tables)} tables; {args.rows - kept:,} deleted")
    times: dict[str, list[float]] = {"pandas": [], "locosuppress": []}
    for _ in range(args.repeat):
        times["pandas"].append(_time(lambda: baseline(tables, NOW)))
        times["locosuppress"].append(_time(lambda: ours(tables, NOW)))
    for label, values in times.items():
        print(
            f"{label:>13}: best {min(values) * 1000:8.1f} ms, "
            f"median {statistics.median(values) * 1000:8.1f} ms"
        )
    best = min(times["locosuppress"]) / min(times["pandas"])
    median = statistics.median(times["locosuppress"]) / statistics.median(times["pandas"])
    print(f"ratio locosuppress / pandas: best {best:.2f}x, median {median:.2f}x (target <= 1.5x)")


if __name__ == "__main__":
    main()
