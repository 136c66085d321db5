"""Benchmark: keyed hashing of a column vs the naive unkeyed per-row loop.

Baseline: ``[hashlib.sha256(e.encode()).hexdigest() for e in column]``.
Ours: ``key.hash_emails(column)`` (normalise + HMAC-SHA256 per row), and the
HMAC stage alone on canonical forms (``HashingMaterial.hash_canonical_array``).

    python benchmarks/bench_hash.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import hashlib
import time
from collections.abc import Callable

import locosuppress
from _data import canonical_like, messy_series
from locosuppress.normalize import canonical_arrow


def _best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    key = locosuppress.SuppressionKey.generate()
    material = key.hashing_material()
    import pandas as pd

    clean = pd.Series(canonical_like(args.rows), dtype="str")
    messy = messy_series(args.rows)
    clean_list = clean.tolist()
    canonical = canonical_arrow(clean)

    naive = _best(lambda: [hashlib.sha256(e.encode()).hexdigest() for e in clean_list], args.repeat)
    hmac_only = _best(lambda: material.hash_canonical_array(canonical), args.repeat)
    full_clean = _best(lambda: key.hash_emails(clean), args.repeat)
    full_messy = _best(lambda: key.hash_emails(messy), args.repeat)
    print(f"rows                               {args.rows:,}")
    print(f"naive sha256 hexdigest loop        {naive:.3f} s")
    print(f"HMAC stage (canonical forms)       {hmac_only:.3f} s  ratio {hmac_only / naive:.2f}")
    print(f"hash_emails, clean addresses       {full_clean:.3f} s  ratio {full_clean / naive:.2f}")
    print(f"hash_emails, messy addresses       {full_messy:.3f} s  ratio {full_messy / naive:.2f}")
    print("target: hash_emails at most 1.5x the naive loop")


if __name__ == "__main__":
    main()
