"""Benchmark: SuppressionList.filter vs what an analyst would write instead.

Data (issue 4): ROWS rows of messy addresses (a third upper-cased and padded
with spaces, a few with display names or +tags, a few international) against
a list of LIST entries, 10% of the rows suppressed.

Baselines, run in the same process on the same data:

* naive unkeyed: ``df[~df.email.str.strip().str.lower().map(sha256 hex).isin(hex_set)]``
* plaintext:     ``df[~df.email.str.strip().str.lower().isin(plain_set)]``

Also measured: opening the list and running the *first* filter (index load
included), the index's memory per entry (array bytes, and resident-set growth
while loading it).

    python benchmarks/bench_filter.py [--rows 1000000] [--list 1000000]
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

import locosuppress
from _data import canonical_like, messy


def _index_memory(path: Path, key: locosuppress.SuppressionKey) -> tuple[int, int, int]:
    """Entries, and bytes held and peak bytes allocated while loading the index.

    Measured with tracemalloc (NumPy reports its buffers to it), on a fresh
    open, so the figure is what holding the list for filtering costs.
    """
    with locosuppress.SuppressionList.open(path, key, read_only=True) as lst:
        tracemalloc.start()
        index = lst.index()
        held, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return len(index), held, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--list", type=int, default=1_000_000, dest="list_rows")
    parser.add_argument("--dir", type=Path, default=None, help="keep the list here")
    args = parser.parse_args()

    folder = args.dir or Path(tempfile.mkdtemp())
    key_path = folder / "bench.key"
    if key_path.exists():
        key = locosuppress.SuppressionKey.load(key_path)
    else:
        key = locosuppress.SuppressionKey.generate()
        key.save(key_path)
    suppressed = canonical_like(args.list_rows, seed=5, offset=50_000_000)
    base = canonical_like(args.rows, seed=0)
    rng = np.random.default_rng(3)
    n_hit = min(args.rows // 10, args.list_rows)
    picks = rng.choice(args.rows, n_hit, replace=False)
    for j, i in enumerate(picks):
        base[i] = suppressed[j]
    frame = pd.DataFrame(
        {"email": pd.Series(messy(base, seed=9), dtype="str"), "postcode": "0123 AB"}
    )
    path = folder / "bench.db"
    if not path.exists():
        start = time.perf_counter()
        with locosuppress.SuppressionList.open(path, key) as lst:
            lst.add_many(suppressed, reason="import")
        print(
            f"build list           {time.perf_counter() - start:.2f} s ({args.list_rows:,} entries)"
        )
    print(f"list file            {path.stat().st_size / 1e6:.1f} MB")

    # Open fresh and filter once: the index is loaded from the file.
    start = time.perf_counter()
    with locosuppress.SuppressionList.open(path, key) as lst:
        first = lst.filter(frame)
        first_time = time.perf_counter() - start
        times = []
        for _ in range(3):
            t = time.perf_counter()
            result = lst.filter(frame)
            times.append(time.perf_counter() - t)
        ours = min(times)
    assert first.report.to_dict() | {"audited": True} == result.report.to_dict() | {"audited": True}
    # Open once more: now the snapshot written by the first open is used.
    start = time.perf_counter()
    with locosuppress.SuppressionList.open(path, key) as lst:
        lst.filter(frame)
    reopen_time = time.perf_counter() - start

    plain_set = set(suppressed)
    hex_set = {hashlib.sha256(e.encode()).hexdigest() for e in suppressed}
    t = time.perf_counter()
    plain = frame[~frame.email.str.strip().str.lower().isin(plain_set)]
    plain_time = time.perf_counter() - t
    t = time.perf_counter()
    naive = frame[
        ~frame.email.str.strip()
        .str.lower()
        .map(lambda e: hashlib.sha256(e.encode()).hexdigest())
        .isin(hex_set)
    ]
    naive_time = time.perf_counter() - t

    print(f"rows                 {args.rows:,} against {args.list_rows:,} entries")
    print(
        f"kept / suppressed    {result.report.kept:,} / {result.report.suppressed:,}  "
        f"(plaintext baseline keeps {len(plain):,}, naive {len(naive):,})"
    )
    print(f"filter (warm index)  {ours:.3f} s")
    print(f"open + first filter  {first_time:.3f} s (index built from the file)")
    print(f"open + filter again  {reopen_time:.3f} s (index from the stored snapshot)")
    print(
        f"naive unkeyed        {naive_time:.3f} s   ratio {ours / naive_time:.2f}  (target <= 0.5)"
    )
    print(
        f"plaintext isin       {plain_time:.3f} s   ratio {ours / plain_time:.2f}  "
        "(target <= 1.0, stretch 0.5)"
    )
    entries, held, peak = _index_memory(path, key)
    print(
        f"index memory         {held / max(1, entries):.1f} bytes/entry held "
        f"(peak while loading {peak / max(1, entries):.1f}), target <= 40"
    )


if __name__ == "__main__":
    main()
