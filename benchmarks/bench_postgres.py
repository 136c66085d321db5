"""Benchmark: the suppression list on PostgreSQL against the same list in SQLite.

Three figures (issue 15), each for both backends, in one process:

* ``add_many`` of ``--rows`` (1,000,000) messy addresses into an empty,
  durable list (SQLite: WAL, ``synchronous=FULL``; PostgreSQL: its defaults,
  ``fsync=on``, ``synchronous_commit=on``), index snapshot included;
  target: PostgreSQL at most 2x SQLite.
* a cold open (``read_only=True``, as a filtering script does) and the first
  ``filter`` of ``--rows`` messy rows (10% suppressed) against that list;
  target: at most 2x SQLite.
* the incremental refresh: a list with its index loaded; another connection
  adds 1,000 addresses; the next ``index()`` fetches only those (PostgreSQL)
  or reloads (SQLite); target: under 50 ms on PostgreSQL.

The server: ``--url`` (a database you created; its schema ``bench`` is used
and must not exist), or else a temporary one started from the ``pgserver``
wheel of the ``test`` extra (``tests/support/postgres_support.py``).

    python benchmarks/bench_postgres.py [--rows 1000000] [--url postgresql://...]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import locosuppress
from _data import canonical_like, messy

KEY = locosuppress.SuppressionKey.generate()


def _start_server() -> object:
    sys.path.insert(0, str(Path(__file__).parent.parent / "tests" / "support"))
    from postgres_support import PostgresServer, bin_dir

    binaries = bin_dir()
    if binaries is None:
        raise SystemExit("no PostgreSQL: pass --url, or pip install '.[test]' (pgserver)")
    server = PostgresServer(binaries)
    server.init()
    server.start(durable=True)
    return server


def _time(fn: object) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()  # type: ignore[operator]
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--url", default=None, help="an existing database (schema 'bench')")
    args = parser.parse_args()

    server = None
    if args.url is None:
        server = _start_server()
        url = server.url(server.new_database())  # type: ignore[attr-defined]
    else:
        url = args.url
    folder = Path(tempfile.mkdtemp())
    locations = {"SQLite": folder / "bench.db", "PostgreSQL": url}
    schema = {"SQLite": {}, "PostgreSQL": {"schema": "bench"}}
    try:
        suppressed = canonical_like(args.rows, seed=5, offset=50_000_000)
        to_add = pd.Series(messy(suppressed, seed=2), dtype="str")
        base = canonical_like(args.rows, seed=0)
        rng = np.random.default_rng(3)
        for j, i in enumerate(rng.choice(args.rows, args.rows // 10, replace=False)):
            base[i] = suppressed[j]
        frame = pd.DataFrame({"email": pd.Series(messy(base, seed=9), dtype="str")})
        late = canonical_like(1_000, seed=7, offset=90_000_000)

        figures: dict[str, dict[str, float]] = {}
        for name, location in locations.items():
            opts = schema[name]
            fig = figures.setdefault(name, {})
            with locosuppress.SuppressionList.open(location, KEY, **opts) as lst:
                fig["add_many"], report = _time(lambda lst=lst: lst.add_many(to_add))
            assert report.added == args.rows, report

            def cold(location=location, opts=opts):
                with locosuppress.SuppressionList.open(
                    location, KEY, read_only=True, **opts
                ) as lst:
                    return lst.filter(frame)

            fig["cold"], result = _time(cold)
            assert result.report.suppressed == args.rows // 10, result.report

            with (
                locosuppress.SuppressionList.open(location, KEY, **opts) as reader,
                locosuppress.SuppressionList.open(location, KEY, **opts) as writer,
            ):
                reader.index()
                writer.add_many(late)
                fig["refresh"], index = _time(reader.index)
                assert len(index) == args.rows + len(late)

        sq, pg = figures["SQLite"], figures["PostgreSQL"]
        print(f"{args.rows:,} messy addresses; {args.rows:,} rows filtered, 10% suppressed")
        print(f"{'':34}{'SQLite':>10}{'PostgreSQL':>12}{'ratio':>8}  target")
        for label, key, target in (
            ("add_many (durable)", "add_many", "<= 2x"),
            ("cold open + first filter", "cold", "<= 2x"),
        ):
            print(
                f"{label:34}{sq[key]:>9.2f}s{pg[key]:>11.2f}s{pg[key] / sq[key]:>7.2f}x  {target}"
            )
        print(
            f"{'index() after 1,000 new entries':34}{sq['refresh'] * 1000:>8.1f}ms"
            f"{pg['refresh'] * 1000:>10.1f}ms{'':>8}  PostgreSQL < 50 ms "
            "(SQLite reloads; PostgreSQL fetches the 1,000)"
        )
    finally:
        if server is not None:
            server.remove()  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
