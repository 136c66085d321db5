"""Benchmark: ``read_suppressions`` + ``add_export`` of a SendGrid bounces CSV vs ``add_many``.

Both start from the same 1,000,000-row SendGrid bounces export written to a
CSV file (``email,created,reason,status``; ``created`` in Unix seconds, as
SendGrid's API documents it; about 5% 4.x.x blocks and some messy addresses)
and end with the addresses in an empty durable list:

* ours: ``read_suppressions(path)`` (layout detection, strict dates, reason
  mapping) then ``add_export`` (per-row reasons and dates, older dates kept,
  one transaction);
* baseline, what an analyst would write with ``add_many`` and one reason:
  ``read_mailing_file(path)``, the rows whose status is 5.x.x, then
  ``add_many(frame["email"], reason="bounce")`` (losing the dates).

The target is at most 1.5x. Run from the repository root:

    python benchmarks/bench_interop.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import locosuppress
from _data import messy_series


def _write_export(path: Path, rows: int) -> None:
    rng = np.random.default_rng(7)
    emails = messy_series(rows)
    created = rng.integers(1_400_000_000, 1_750_000_000, size=rows)
    status = np.where(rng.random(rows) < 0.05, "4.0.0", "5.1.1")
    pd.DataFrame(
        {
            "email": emails,
            "created": created,
            "reason": "550 5.1.1 The email account that you tried to reach does not exist",
            "status": status,
        }
    ).to_csv(path, index=False)


def _ours(path: Path, key: locosuppress.SuppressionKey, folder: Path) -> float:
    start = time.perf_counter()
    export = locosuppress.read_suppressions(path)
    with locosuppress.SuppressionList.open(folder / "ours.db", key) as lst:
        lst.add_export(export)
    return time.perf_counter() - start


def _baseline(path: Path, key: locosuppress.SuppressionKey, folder: Path) -> float:
    start = time.perf_counter()
    frame = locosuppress.read_mailing_file(path)
    hard = frame[frame["status"].str.startswith("5")]
    with locosuppress.SuppressionList.open(folder / "baseline.db", key) as lst:
        lst.add_many(hard["email"], reason="bounce")
    return time.perf_counter() - start


def main() -> None:
    """Build the export, time both, print the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    key = locosuppress.SuppressionKey.generate()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "sendgrid-bounces.csv"
        _write_export(path, args.rows)
        baseline = _baseline(path, key, folder)
        ours = _ours(path, key, folder)
    print(f"rows: {args.rows:,} (SendGrid bounces CSV)")
    print(f"baseline  read_mailing_file + add_many(reason='bounce'): {baseline:7.2f} s")
    print(f"ours      read_suppressions + add_export:                {ours:7.2f} s")
    print(f"ratio     ours / baseline:                               {ours / baseline:7.2f}x")


if __name__ == "__main__":
    main()
