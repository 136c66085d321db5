"""Benchmark: ``anonymise_events`` against a careful hand-written pandas baseline.

Builds N synthetic open/click events (timestamp, email, contact_id, ip,
user_agent, campaign_id, event_type, url), half of them older than 12 months,
then times, in the same process, the baseline of issue 5 and
``locosuppress.anonymise_events``: one untimed call of each first (the first
call in a process also pays for fresh memory from the operating system), then
``--repeat`` timed rounds, alternating, then one more call of each to measure
memory. It prints the best and median time of each, their ratio, and the peak
memory of each call relative to the input frame.

Memory is measured as resident set size (RSS), sampled every 5 ms by a
background thread while the call runs: "peak" is the highest RSS seen minus
the RSS just before the call, so it includes the result frame and every
temporary, whoever allocated it (NumPy, pandas, or Arrow's own memory pool,
which tracemalloc cannot see). Before each call unused Arrow memory is handed
back to the system so that the starting point is honest. The input size is
``DataFrame.memory_usage(deep=True).sum()``.

The data: 500 thousand people per 10 million events (about 20 events each),
200 campaigns with 20 links each, 40% clicks (opens have no URL). Click URLs
carry the three utm parameters; a share of them (``--personal-share``, default
0.5) also carries a per-person ``uid`` parameter, the rest a ``#top``
fragment, so about half the old URLs are distinct. No real addresses.

Usage::

    python benchmarks/bench_events.py                 # 10,000,000 events
    python benchmarks/bench_events.py --rows 1000000 --repeat 5
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from locosuppress import anonymise_events

NOW = pd.Timestamp("2026-01-15 12:00")
STRING = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' default ``str`` dtype


def _text(values: pa.Array) -> pd.Series:
    return pd.Series(pd.array(values, dtype=STRING))


def _join(*parts: pa.Array | str) -> pa.Array:
    kind = pa.large_string()
    arrays = [pa.scalar(p, kind) if isinstance(p, str) else p.cast(kind) for p in parts]
    return pc.binary_join_element_wise(*arrays, pa.scalar("", kind))


def build_events(rows: int, *, seed: int = 0, personal_share: float = 0.5) -> pd.DataFrame:
    """Synthetic events, timestamps uniform over the 24 months before NOW (half old)."""
    rng = np.random.default_rng(seed)
    span = (NOW - (NOW - pd.DateOffset(months=24))).value
    stamps = pd.Series(pd.to_datetime(NOW.value - rng.integers(0, span, rows)).as_unit("ns"))
    people = max(rows // 20, 1)
    person = rng.integers(0, people, rows)
    ids = pa.array(np.arange(people)).cast(pa.large_string())
    mod = pa.array(np.arange(people) % 97).cast(pa.large_string())
    octets = [pa.array((np.arange(people) >> s) & 255).cast(pa.large_string()) for s in (16, 8, 0)]
    email_pool = _join("person", ids, "@example", mod, ".nl")
    ip_pool = _join("10.", octets[0], ".", octets[1], ".", octets[2])
    agents = pa.array(
        [
            f"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            f"Chrome/{100 + i}.0.0.0 Safari/537.36"
            for i in range(300)
        ],
        pa.large_string(),
    )
    campaign = rng.integers(1000, 1200, rows)
    link = rng.integers(0, 20, rows)
    links = pa.array(
        [
            f"https://shop.example.nl/c/{c}/link{j}"
            f"?utm_source=newsletter&utm_medium=email&utm_campaign=c{c}"
            for c in range(1000, 1200)
            for j in range(20)
        ],
        pa.large_string(),
    )
    click = rng.random(rows) < 0.4
    personal = rng.random(rows) < personal_share
    taken = pa.array(person)
    suffix = pc.if_else(
        pa.array(personal),
        _join("&uid=", ids.take(taken)),
        pa.scalar("#top", pa.large_string()),
    )
    url = _join(links.take(pa.array((campaign - 1000) * 20 + link)), suffix)
    url = pc.if_else(pa.array(click), url, pa.scalar(None, pa.large_string()))
    kind = pa.array(np.where(click, "click", "open")).cast(pa.large_string())
    return pd.DataFrame(
        {
            "timestamp": stamps,
            "email": _text(email_pool.take(taken)),
            "contact_id": person.astype("int64"),
            "ip": _text(ip_pool.take(taken)),
            "user_agent": _text(agents.take(pa.array(rng.integers(0, 300, rows)))),
            "campaign_id": campaign.astype("int64"),
            "event_type": _text(kind),
            "url": _text(url),
        }
    )


def baseline(ev: pd.DataFrame, now: pd.Timestamp) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The hand-written pandas version from issue 5 (a weaker version of the job)."""
    d = ev.copy()
    old = d.timestamp < now - pd.DateOffset(months=12)
    day = d.loc[old, "timestamp"].dt.floor("D")
    agg = (
        d.loc[old, ["campaign_id", "event_type", "email"]]
        .assign(day=day)
        .groupby(["campaign_id", "event_type", "day"])
        .agg(events=("email", "size"), people=("email", "nunique"))
    )
    d.loc[old, ["email", "contact_id", "ip", "user_agent"]] = None
    d.loc[old, "timestamp"] = day
    d.loc[old, "url"] = d.loc[old, "url"].str.replace(r"[?#].*$", "", regex=True)
    return d, agg


def _rss() -> int:
    """Resident set size of this process in bytes (Linux /proc, else psutil)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:  # pragma: no cover - not Linux
        import psutil

        return int(psutil.Process().memory_info().rss)


def timed(call: Callable[[], Any]) -> float:
    """Wall time of ``call``."""
    gc.collect()
    started = time.perf_counter()
    result = call()
    elapsed = time.perf_counter() - started
    del result
    return elapsed


def peak_memory(call: Callable[[], Any]) -> int:
    """Peak RSS of ``call`` above the RSS just before it, sampled every 5 ms."""
    gc.collect()
    pa.default_memory_pool().release_unused()
    start_rss = _rss()
    peak = start_rss
    running = True

    def sample() -> None:
        nonlocal peak
        while running:
            peak = max(peak, _rss())
            time.sleep(0.005)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    result = call()
    running = False
    sampler.join()
    peak = max(peak, _rss())
    del result
    return peak - start_rss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000, help="events (default 10M)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds of both (default 3)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--personal-share",
        type=float,
        default=0.5,
        help="share of click URLs with a per-person parameter (default 0.5)",
    )
    args = parser.parse_args()

    started = time.perf_counter()
    events = build_events(args.rows, seed=args.seed, personal_share=args.personal_share)
    size = int(events.memory_usage(deep=True).sum())
    old = int((events.timestamp < NOW - pd.DateOffset(months=12)).sum())
    print(
        f"{len(events):,} events, {old:,} old, input frame {size / 1e6:,.0f} MB "
        f"(built in {time.perf_counter() - started:.1f} s)"
    )

    calls: dict[str, Callable[[], Any]] = {
        "baseline": lambda: baseline(events, NOW),
        "anonymise_events": lambda: anonymise_events(events, now=NOW),
    }
    # One untimed call of each first: the first call in a process also pays for the
    # operating system handing it fresh memory, which is no property of either code.
    for call in calls.values():
        call()
    times: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(args.repeat):
        for name, call in calls.items():
            times[name].append(timed(call))
    # Memory in separate calls, so that the sampling thread does not disturb the timing.
    peaks = {name: peak_memory(call) for name, call in calls.items()}

    for name in calls:
        print(
            f"{name:17s} best {min(times[name]):6.2f} s  "
            f"median {statistics.median(times[name]):6.2f} s  "
            f"peak +{peaks[name] / 1e6:,.0f} MB = {peaks[name] / size:.2f}x input"
        )
    best = {name: min(t) for name, t in times.items()}
    median = {name: statistics.median(t) for name, t in times.items()}
    print(
        f"ratio anonymise_events / baseline: best {best['anonymise_events'] / best['baseline']:.2f}"
        f"  median {median['anonymise_events'] / median['baseline']:.2f}"
    )


if __name__ == "__main__":
    main()
