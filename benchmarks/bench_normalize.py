"""Benchmark: vectorised normalisation vs the per-row loop a careful analyst writes.

Baseline: ``validate_email(e, check_deliverability=False).normalized`` from the
``email-validator`` package, row by row (run on a sample; its per-row cost is
extrapolated to the full column). Ours: ``locosuppress.normalize_emails`` on
the whole column. Same data, same process.

    python benchmarks/bench_normalize.py [--rows 1000000] [--sample 20000]

Needs the ``bench`` extra (``pip install ".[bench]"``).
"""

from __future__ import annotations

import argparse
import contextlib
import time

import locosuppress
from _data import messy_series


def _baseline(values: list[str]) -> float:
    from email_validator import EmailNotValidError, validate_email

    start = time.perf_counter()
    for value in values:
        with contextlib.suppress(EmailNotValidError):
            _ = validate_email(value, check_deliverability=False).normalized
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    column = messy_series(args.rows)
    ours = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        result = locosuppress.normalize_emails(column)
        ours.append(time.perf_counter() - start)
    best = min(ours)
    sample = column.iloc[: args.sample].tolist()
    base_sample = _baseline(sample)
    base = base_sample / len(sample) * args.rows
    print(f"rows                 {args.rows:,} messy addresses ({column.dtype} column)")
    print(f"invalid              {int(result.isna().sum()):,}")
    print(
        f"locosuppress         {best:.3f} s  "
        f"({best / args.rows * 1e6:.2f} us/row, best of {args.repeat})"
    )
    print(
        f"email-validator loop {base:.3f} s  ({base_sample / len(sample) * 1e6:.2f} us/row, "
        f"measured on {len(sample):,} rows, extrapolated)"
    )
    print(f"speed-up             {base / best:.1f}x  (target: at least 20x)")


if __name__ == "__main__":
    main()
