"""Benchmark: keyed hashing of a column vs the naive unkeyed per-row loop.

Baseline: ``[hashlib.sha256(e.encode()).hexdigest() for e in column]``.
Ours: ``key.hash_emails(column)`` (normalise + HMAC-SHA256 per row), and the
HMAC stage alone on canonical forms (``HashingMaterial.hash_canonical_array``).
Everything runs in this one process (several cores go through Dask).

    python benchmarks/bench_hash.py [--rows 1000000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import hashlib
import time
from collections.abc import Callable

import pandas as pd

import locosuppress
from _data import canonical_like, messy_series
from locosuppress.normalize import canonical_arrow


def _interleaved(runs: dict[str, Callable[[], object]], repeat: int) -> dict[str, float]:
    """Best time of each run, the runs taking turns (so machine noise hits all alike)."""
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(repeat):
        for name, fn in runs.items():
            start = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def _naive(column: list[str]) -> list[str]:
    return [hashlib.sha256(e.encode()).hexdigest() for e in column]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    key = locosuppress.SuppressionKey.generate()
    material = key.hashing_material()
    clean = pd.Series(canonical_like(args.rows), dtype="str")
    messy = messy_series(args.rows)
    clean_list, messy_list = clean.tolist(), messy.tolist()
    canonical = canonical_arrow(clean)

    runs: dict[str, Callable[[], object]] = {
        "naive clean": lambda: _naive(clean_list),
        "naive messy": lambda: _naive(messy_list),
        "hmac": lambda: material.hash_canonical_array(canonical),
        "clean": lambda: key.hash_emails(clean),
        "messy": lambda: key.hash_emails(messy),
    }
    t = _interleaved(runs, args.repeat)

    def line(label: str, name: str, base: str) -> None:
        print(f"{label:42s} {t[name]:.3f} s  ratio {t[name] / t[base]:.2f}")

    print(f"rows {args.rows:,}, best of {args.repeat}, runs interleaved; ratio = time / naive loop")
    print(f"{'naive sha256 hexdigest loop, clean':42s} {t['naive clean']:.3f} s")
    print(f"{'naive sha256 hexdigest loop, messy':42s} {t['naive messy']:.3f} s")
    line("HMAC stage alone (canonical forms)", "hmac", "naive clean")
    line("hash_emails, clean", "clean", "naive clean")
    line("hash_emails, messy", "messy", "naive messy")
    print("target: hash_emails on messy rows at most 2.5x the naive loop, in one process")


if __name__ == "__main__":
    main()
