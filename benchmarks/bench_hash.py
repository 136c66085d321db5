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


def _interleaved(
    runs: dict[str, Callable[[], object]], repeat: int
) -> tuple[dict[str, float], dict[str, float]]:
    """Best wall and best CPU time of each run, the runs taking turns.

    Taking turns spreads machine noise over all runs alike; the CPU time of
    this process (``time.process_time``) is what the work itself cost, and
    stays steady when other programs load the machine.
    """
    wall = dict.fromkeys(runs, float("inf"))
    cpu = dict.fromkeys(runs, float("inf"))
    for _ in range(repeat):
        for name, fn in runs.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            fn()
            cpu[name] = min(cpu[name], time.process_time() - start_cpu)
            wall[name] = min(wall[name], time.perf_counter() - start)
    return wall, cpu


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
    t, c = _interleaved(runs, args.repeat)

    def line(label: str, name: str, base: str) -> None:
        print(
            f"{label:42s} {t[name]:.3f} s  ratio {t[name] / t[base]:.2f}"
            f"  | cpu {c[name]:.3f} s  ratio {c[name] / c[base]:.2f}"
        )

    print(f"rows {args.rows:,}, best of {args.repeat}, runs interleaved; ratio = time / naive loop")
    label = "naive sha256 hexdigest loop, clean"
    print(f"{label:42s} {t['naive clean']:.3f} s  | cpu {c['naive clean']:.3f} s")
    label = "naive sha256 hexdigest loop, messy"
    print(f"{label:42s} {t['naive messy']:.3f} s  | cpu {c['naive messy']:.3f} s")
    line("HMAC stage alone (canonical forms)", "hmac", "naive clean")
    line("hash_emails, clean", "clean", "naive clean")
    line("hash_emails, messy", "messy", "naive messy")
    print("target: hash_emails on messy rows at most 2.5x the naive loop, in one process")


if __name__ == "__main__":
    main()
