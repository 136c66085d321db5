"""Benchmark: read_mailing_file / write_mailing_file vs plain pandas on 1,000,000 rows.

Baseline read: ``pd.read_csv(path, dtype=str, keep_default_na=False, sep=..., encoding=...)``
told the delimiter and encoding. Ours: ``read_mailing_file(path)``, which detects them,
checks the header and records the format. Baseline write: ``frame.to_csv(path,
index=False, sep=..., encoding=...)``. Ours: ``write_mailing_file(frame, path,
overwrite=True)``: temporary file, fsync, rename, fsync of the folder. Same data,
same process, best of ``--repeat`` runs.

    python benchmarks/bench_io.py [--rows 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from _data import canonical_like
from locosuppress import read_mailing_file, write_mailing_file

STREETS = ["Dorpsstraat", "Kerkstraat", "Molenweg", "Stationsplein", "Lindelaan", "Brink"]
CP1252_IJ = {"ĳ": "ij", "Ĳ": "IJ"}
PLACES = ["Amsterdam", "Den Haag", "Utrecht", "Zoë-dorp", "'s-Hertogenbosch", "Delft"]


def mailing_frame(rows: int) -> pd.DataFrame:
    """A Dutch customer file: addresses, names, postcodes with leading zeros, phones."""
    rng = np.random.default_rng(0)
    emails = canonical_like(rows)
    digits = rng.integers(0, 10_000, rows)
    letters = rng.integers(0, 26, (rows, 2)) + ord("A")
    return pd.DataFrame(
        {
            "email": emails,
            "naam": [email.split("@")[0].replace(".", " ").title() for email in emails],
            "straat": np.array(STREETS)[rng.integers(0, len(STREETS), rows)],
            "huisnummer": rng.integers(1, 300, rows).astype(str),
            "postcode": [
                f"{d:04d} {chr(a)}{chr(b)}" for d, (a, b) in zip(digits, letters, strict=True)
            ],
            "plaats": np.array(PLACES)[rng.integers(0, len(PLACES), rows)],
            "telefoon": [f"06{n:08d}" for n in rng.integers(0, 10**8, rows)],
        },
        dtype=str,
    )


def best_of(repeat: int, run: Callable[[], object]) -> float:
    """Smallest wall time of ``repeat`` runs."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    frame = mailing_frame(args.rows)
    print(f"rows       {args.rows:,} x {frame.shape[1]} text columns")
    with tempfile.TemporaryDirectory(dir=".") as folder:
        for encoding, delimiter in [("utf-8", ","), ("cp1252", ";")]:
            # cp1252 has no ĳ ligature: Dutch Excel users type "ij".
            data = frame if encoding == "utf-8" else frame.replace(CP1252_IJ, regex=True)
            path = Path(folder) / f"in-{encoding}.csv"
            data.to_csv(path, index=False, sep=delimiter, encoding=encoding)
            size = path.stat().st_size / 2**20
            print(f"\n{encoding}, delimiter {delimiter!r}, {size:.0f} MiB")

            base_read = best_of(
                args.repeat,
                lambda p=path, d=delimiter, e=encoding: pd.read_csv(
                    p, dtype=str, keep_default_na=False, sep=d, encoding=e
                ),
            )
            ours_read = best_of(args.repeat, lambda p=path: read_mailing_file(p))
            check = read_mailing_file(path)
            assert check.equals(data), "read_mailing_file changed the data"
            print(f"  read   pandas {base_read:6.3f} s   locosuppress {ours_read:6.3f} s", end="")
            print(f"   ratio {ours_read / base_read:.2f}")

            out = Path(folder) / "out.csv"
            base_write = best_of(
                args.repeat,
                lambda c=check, o=out, d=delimiter, e=encoding: c.to_csv(
                    o, index=False, sep=d, encoding=e
                ),
            )
            out.unlink()
            ours_write = best_of(
                args.repeat, lambda c=check, o=out: write_mailing_file(c, o, overwrite=True)
            )
            print(f"  write  pandas {base_write:6.3f} s   locosuppress {ours_write:6.3f} s", end="")
            print(f"   ratio {ours_write / base_write:.2f}  (ours includes two fsyncs)")


if __name__ == "__main__":
    main()
