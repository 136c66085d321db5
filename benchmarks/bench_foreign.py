"""Benchmark: filtering against a list that holds a client's MD5 file, vs the same list without it.

Data: ROWS messy mailing rows (a third upper-cased and padded, a few with a
display name or +tag, a few international); a list of LIST e-mail entries
(10% of the rows) and, for the second run, FOREIGN md5 entries (a client's
do-not-mail file: half of them digests of mailing rows, half of others).

Runs, interleaved in one process on the same data (the engine
``filtering.filter_frame`` on the list's in-memory index):

* ``plain``:   the filter against the e-mail entries only;
* ``foreign``: the same filter when the index also holds the md5 entries
  (it then computes, keys and looks up every valid row's MD5);
* ``naive``:   what an analyst would write for the md5 file alone:
  ``df[~df.email.str.strip().str.lower().map(md5 hex).isin(hex_set)]``.

Target (issue 13): ``foreign`` at most 2x ``plain``. Also printed: the cost
of asking whether the index holds foreign kinds (what a list without them pays).

    python benchmarks/bench_foreign.py [--rows 1000000] [--list 1000000] [--foreign 100000]
"""

from __future__ import annotations

import argparse
import hashlib
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

import locosuppress
from _data import canonical_like, messy
from locosuppress._index import SuppressionIndex
from locosuppress._vocabulary import KIND_EMAIL, KIND_MD5
from locosuppress.filtering import filter_frame
from locosuppress.normalize import unwrapped_lower


def _interleaved(
    runs: dict[str, Callable[[], object]], repeat: int
) -> tuple[dict[str, float], dict[str, float]]:
    """Best wall and best CPU time of each run, the runs taking turns."""
    wall = dict.fromkeys(runs, float("inf"))
    cpu = dict.fromkeys(runs, float("inf"))
    for _ in range(repeat):
        for name, fn in runs.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            fn()
            cpu[name] = min(cpu[name], time.process_time() - start_cpu)
            wall[name] = min(wall[name], time.perf_counter() - start)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--list", type=int, default=1_000_000)
    parser.add_argument("--foreign", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    key = locosuppress.SuppressionKey.generate()
    matter = key.hashing_material()
    people = canonical_like(args.rows)
    frame = pd.DataFrame({"email": pd.Series(messy(people), dtype="str")})
    # E-mail entries: every tenth mailing row, plus others up to --list.
    listed = people[::10] + canonical_like(args.list - len(people[::10]), offset=args.rows)
    email_hashes = np.stack([np.frombuffer(h, np.uint8) for h in map(matter.hash_email, listed)])
    plain = SuppressionIndex.build(
        email_hashes, np.full(len(listed), KIND_EMAIL), np.ones(len(listed), np.uint8)
    )
    # The client's file: MD5 of half its people from the mailing, half of others.
    half = args.foreign // 2
    client = [unwrapped_lower(v) for v in frame["email"].iloc[5 : 5 + 10 * half : 10]]
    client += canonical_like(args.foreign - len(client), offset=args.rows + args.list)
    digests = [hashlib.md5(c.encode()).digest() for c in client]
    md5_hex = {d.hex() for d in digests}
    keyed = matter.keyed_hash_many("md5", digests)
    foreign = plain.merged(keyed, np.full(len(keyed), KIND_MD5), np.ones(len(keyed), np.uint8))

    def naive() -> pd.DataFrame:
        cells = frame["email"].str.strip().str.lower()
        return frame[~cells.map(lambda e: hashlib.md5(e.encode()).hexdigest()).isin(md5_hex)]

    runs: dict[str, Callable[[], object]] = {
        "plain": lambda: filter_frame(frame, plain, matter),
        "foreign": lambda: filter_frame(frame, foreign, matter),
        "naive": naive,
    }
    t, c = _interleaved(runs, args.repeat)
    checks = 100_000
    start = time.perf_counter()
    for _ in range(checks):
        _ = KIND_MD5 in plain.kinds
    per_check = (time.perf_counter() - start) / checks

    with_md5 = filter_frame(frame, foreign, matter).report
    print(
        f"rows {args.rows:,}; list {args.list:,} e-mail entries (+ {args.foreign:,} md5); "
        f"best of {args.repeat}, runs interleaved"
    )
    print(f"suppressed by entry with the md5 file: {dict(with_md5.suppressed_by_entry)}")
    print(f"{'filter, e-mail entries only':44s} {t['plain']:.3f} s  | cpu {c['plain']:.3f} s")
    print(
        f"{'filter, + md5 entries':44s} {t['foreign']:.3f} s  ratio {t['foreign'] / t['plain']:.2f}"
        f"  | cpu {c['foreign']:.3f} s  ratio {c['foreign'] / c['plain']:.2f}"
    )
    print(
        f"{'naive md5 loop (md5 file only, unkeyed)':44s} {t['naive']:.3f} s"
        f"  | cpu {c['naive']:.3f} s"
    )
    print(
        f"cost for a list without foreign kinds: one kinds check per filter, "
        f"{per_check * 1e6:.2f} us"
    )
    print("target: with foreign-hash entries present, at most 2x the same filter without them")


if __name__ == "__main__":
    main()
