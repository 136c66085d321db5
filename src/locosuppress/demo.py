"""Sample data for ``locosuppress demo``, the tutorial notebook and your own trials.

:func:`make_demo_data` writes three files that look like what a Dutch mailing
company really handles, generated from a seed (the same seed, ``rows`` and
``now`` give the same bytes):

* ``unsubscribes.csv``: the people who asked to be left alone (address,
  scope, reason), as an e-mail system exports them;
* ``import.csv``: a messy customer database as Dutch Excel saves it:
  semicolons, Windows-1252, names with accents, customer numbers, phone
  numbers and German postcodes with leading zeros, and addresses of
  suppressed people spelled differently (case, spaces, ``Name <address>``,
  ``+tags``), repeated rows and values that are no address at all;
* ``events.csv``: a year and a half of newsletter opens and clicks, with
  personal data in columns and in URL query parameters.

Every address is made up, at reserved example domains (``example.nl``,
``example.com``, ``*.example``): no real person can be in it.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from locosuppress.io import write_mailing_file

__all__ = ["DEMO_TZ", "SUPPRESSED_DOMAIN", "DemoData", "make_demo_data"]

#: The time zone of the demo's wall clocks.
DEMO_TZ: Final = "Europe/Amsterdam"
#: A whole domain on the demo's suppression list (a company that asked to be left alone).
SUPPRESSED_DOMAIN: Final = "oud-bedrijf.example"

_FIRST: Final = (
    "Jan",
    "Piet",
    "Sanne",
    "Daan",
    "Emma",
    "Zoë",
    "Noël",
    "Daniëlle",
    "Chloé",
    "Inge",
    "Fleur",
    "Bram",
    "Sem",
    "Lotte",
    "Ruud",
    "Anouk",
    "Joël",
    "Thijs",
    "Mirjam",
    "Khadija",
    "Mehmet",
    "Aïcha",
    "René",
    "Hélène",
    "Sjoerd",
    "Femke",
    "Wouter",
    "Roos",
    "Youssef",
    "Priya",
)
_LAST: Final = (
    "de Vries",
    "Jansen",
    "van den Berg",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Dijk",
    "Dekker",
    "Brouwer",
    "de Wit",
    "Dijkstra",
    "van 't Hof",
    "Öztürk",
    "El Amrani",
    "Müller",
    "Schröder",
    "Janssens",
    "Peeters",
    "Kaya",
    "Çelik",
    "Koç",
    "Lefèvre",
)
_DOMAINS: Final = (
    ("example.nl", 0.30),
    ("example.com", 0.15),
    ("voorbeeld.example", 0.15),
    ("post.example", 0.10),
    ("mail.example", 0.10),
    ("bedrijf.example", 0.08),
    ("example.org", 0.05),
    ("example.net", 0.05),
    (SUPPRESSED_DOMAIN, 0.02),
)
_PLACES: Final = {
    "NL": ("Amsterdam", "Utrecht", "Den Haag", "Zwolle", "Groningen", "Eindhoven", "Leeuwarden"),
    "DE": ("Dresden", "Leipzig", "Köln", "Düsseldorf", "Münster"),
    "BE": ("Antwerpen", "Gent", "Brussel", "Leuven"),
}
_INVALID: Final = (
    "",
    "n.v.t.",
    "geen",
    "onbekend",
    "jan.devries@",
    "@example.nl",
    "info(at)example.nl",
    "   ",
)
_PAGES: Final = ("aanbieding", "nieuws/zomer", "agenda", "blog/tips", "winkel/kaarten")
_AGENTS: Final = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X)",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4)",
    "Microsoft Outlook 16.0",
)
# (scope, reason, share of the suppressed people)
_SUPPRESSIONS: Final = (
    ("newsletter", "unsubscribed", 0.45),
    ("all", "erasure", 0.25),
    ("all", "bounce", 0.15),
    ("post", "unsubscribed", 0.15),
)


@attrs.frozen
class DemoData:
    """Where :func:`make_demo_data` wrote the sample files, and how it made them.

    Attributes:
        folder: the folder holding the files.
        unsubscribes: CSV of suppressed people: ``email``, ``scope``, ``reason``.
        mailing: the messy import (``;``-separated, Windows-1252).
        events: opens and clicks (UTF-8, ISO 8601 wall times in :data:`DEMO_TZ`).
        suppressed_domain: the domain to suppress as a whole.
        now: the reference time the events end at (aware, in :data:`DEMO_TZ`).
        rows: rows in the import (and about as many events).
        seed: the random seed.
    """

    folder: Path
    unsubscribes: Path
    mailing: Path
    events: Path
    suppressed_domain: str
    now: pd.Timestamp
    rows: int
    seed: int

    def to_dict(self) -> dict[str, Any]:
        """Plain values (paths and times as text)."""
        return {
            "folder": str(self.folder),
            "unsubscribes": str(self.unsubscribes),
            "mailing": str(self.mailing),
            "events": str(self.events),
            "suppressed_domain": self.suppressed_domain,
            "now": self.now.isoformat(),
            "rows": self.rows,
            "seed": self.seed,
        }


def _ascii_slug(name: str) -> str:
    """``"van 't Hof"`` -> ``"vanthof"``: what people put in an address."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


# The columns are built as Arrow strings, element-wise in C, so that a demo of
# a million rows takes seconds rather than minutes.


def _cat(*parts: pa.Array | str) -> pa.Array:
    """Join strings element-wise (arrays and scalars)."""
    return pc.binary_join_element_wise(*parts, "")


def _digits(values: npt.NDArray[np.int64], width: int = 0) -> pa.Array:
    text = pc.cast(pa.array(values), pa.string())
    return pc.utf8_lpad(text, width=width, padding="0") if width else text


def _pick(rng: np.random.Generator, options: Sequence[str], n: int) -> pa.Array:
    return pa.array(list(options), pa.string()).take(pa.array(rng.integers(0, len(options), n)))


def _where(mask: npt.NDArray[np.bool_], yes: pa.Array | str, no: pa.Array | str) -> pa.Array:
    return pc.if_else(pa.array(mask), yes, no)


def _column(values: pa.Array) -> pd.Series:
    """An Arrow-backed pandas string column (what read_mailing_file gives too)."""
    return pd.Series(pd.arrays.ArrowStringArray(values.cast(pa.large_string())))


def _people(rng: np.random.Generator, n: int) -> pa.Table:
    """A pool of ``n`` made-up people with unique addresses."""
    first_i = pa.array(rng.integers(0, len(_FIRST), n))
    last_i = pa.array(rng.integers(0, len(_LAST), n))
    names, weights = zip(*_DOMAINS, strict=True)
    share = np.asarray(weights) / sum(weights)
    domain = pa.array(list(names)).take(pa.array(rng.choice(len(names), size=n, p=share)))
    first_slug = pa.array([_ascii_slug(x) for x in _FIRST]).take(first_i)
    last_slug = pa.array([_ascii_slug(x) for x in _LAST]).take(last_i)
    number = rng.permutation(n) + 1  # unique: makes every address unique
    local = _cat(first_slug, ".", last_slug, _digits(number))
    country = pa.array(["NL", "DE", "BE"]).take(
        pa.array(rng.choice(3, size=n, p=[0.8, 0.12, 0.08]))
    )
    return pa.table(
        {
            "customer": _digits(number, 7),
            "first": pa.array(list(_FIRST)).take(first_i),
            "last": pa.array(list(_LAST)).take(last_i),
            "local": local,
            "domain": domain,
            "email": _cat(local, "@", domain),
            "country": country,
        }
    )


def _postcodes(rng: np.random.Generator, country: pa.Array) -> pa.Array:
    """Dutch ``1234 AB``, German five digits (often a leading zero), Belgian four digits."""
    n = len(country)
    letters = "ABCDEGHJKLMNPRSTVWXZ"
    nl = _cat(
        _digits(rng.integers(1000, 10000, n)), " ", _pick(rng, letters, n), _pick(rng, letters, n)
    )
    de = _digits(rng.integers(1000, 99999, n), 5)
    be = _digits(rng.integers(1000, 10000, n))
    code = np.asarray(country.to_numpy(zero_copy_only=False), dtype=object)
    return _where(code == "NL", nl, _where(code == "DE", de, be))


def _places(rng: np.random.Generator, country: pa.Array) -> pa.Array:
    code = np.asarray(country.to_numpy(zero_copy_only=False), dtype=object)
    out = _pick(rng, _PLACES["BE"], len(code))
    for name in ("DE", "NL"):
        out = _where(code == name, _pick(rng, _PLACES[name], len(code)), out)
    return out


def _messy(rng: np.random.Generator, people: pa.Table, share: npt.NDArray[np.float64]) -> pa.Array:
    """Each address as people type it: a variant with probability ``share`` per row."""
    n = people.num_rows
    email, local, domain = people["email"], people["local"], people["domain"]
    display = _cat(people["first"], " ", people["last"])
    capital = pc.utf8_title(local)  # Jan.Devries12
    variants = [
        pc.utf8_upper(email),  # JAN.DEVRIES12@EXAMPLE.NL
        _cat(capital, "@", pc.utf8_title(domain)),
        _cat("  ", email, " "),  # padding
        _cat(display, " <", email, ">"),  # Name <address>
        _cat(local, "+nieuwsbrief@", domain),  # a sub-address tag
        _cat(display, " <", capital, "@", pc.utf8_upper(domain), ">"),
        _cat(email, "\xa0"),  # a no-break space copied from a web page
    ]
    choice = rng.integers(0, len(variants), n)
    messy = rng.random(n) < share
    out = email.combine_chunks() if isinstance(email, pa.ChunkedArray) else email
    for i, variant in enumerate(variants):
        out = _where(messy & (choice == i), variant, out)
    return out


def _mailing(
    rng: np.random.Generator, pool: pa.Table, suppressed: npt.NDArray[np.bool_], rows: int
) -> pd.DataFrame:
    """The messy import: most people once, some twice, a few without a usable address."""
    n_invalid = max(1, rows // 50)
    n_dupes = max(1, rows * 3 // 100)
    n_people = max(1, rows - n_invalid - n_dupes)
    chosen = rng.choice(pool.num_rows, size=n_people, replace=False)
    repeats = rng.choice(chosen, size=n_dupes, replace=True)
    order = np.concatenate([chosen, repeats, rng.choice(pool.num_rows, size=n_invalid)])
    people = pool.take(pa.array(order))
    share = np.where(suppressed[order], 0.8, 0.25)
    share[n_people : n_people + n_dupes] = 1.0  # a repeated row is always spelled otherwise
    invalid = np.zeros(len(order), dtype=bool)
    invalid[n_people + n_dupes :] = True
    address = _where(invalid, _pick(rng, _INVALID, len(order)), _messy(rng, people, share))
    country = people["country"].combine_chunks()
    days = pa.array(rng.integers(0, 3650, len(order)) + 16436, pa.int32())  # from 2015-01-01
    signup = pc.strftime(days.cast(pa.date32()).cast(pa.timestamp("s")), format="%d-%m-%Y")
    table = pa.table(
        {
            "Klantnummer": people["customer"],
            "Voornaam": people["first"],
            "Achternaam": people["last"],
            "E-mailadres": address,
            "Postcode": _postcodes(rng, country),
            "Plaats": _places(rng, country),
            "Land": country,
            "Telefoon": _cat("06", _digits(rng.integers(0, 10**8, len(order)), 8)),
            "Aangemeld op": signup,
        }
    ).take(pa.array(rng.permutation(len(order))))
    return pd.DataFrame(
        {name: _column(table[name].combine_chunks()) for name in table.column_names}
    )


def _events(rng: np.random.Generator, pool: pa.Table, n: int, now: pd.Timestamp) -> pd.DataFrame:
    """Opens and clicks over the 18 months before ``now``, oldest first."""
    wall_now = now.tz_convert(DEMO_TZ).tz_localize(None)
    start = wall_now - pd.DateOffset(months=18)
    span = int((wall_now - start).total_seconds())
    seconds = np.sort(rng.integers(0, span, n))
    wall = pa.array((start + pd.to_timedelta(seconds, unit="s")).as_unit("s").to_numpy())
    who = pool.take(pa.array(rng.integers(0, pool.num_rows, n)))
    campaign = _cat("nieuwsbrief-", pc.strftime(wall, format="%Y-%m"))
    click = rng.random(n) < 0.3
    customer = who["customer"].combine_chunks()
    url = _cat(
        "https://www.example.nl/",
        _pick(rng, _PAGES, n),
        "?utm_source=nieuwsbrief&utm_medium=email&utm_campaign=",
        campaign,
        "&klant=",
        customer,
    )
    url = _where(rng.random(n) < 0.1, _cat(url, "#profiel"), url)
    ip_last = _digits(rng.integers(1, 255, n))
    ip = _where(rng.random(n) < 0.5, _cat("192.0.2.", ip_last), _cat("198.51.100.", ip_last))
    columns = {
        "timestamp": pc.strftime(wall, format="%Y-%m-%d %H:%M:%S"),
        "email": who["email"].combine_chunks(),
        "contact_id": customer,
        "campaign": campaign,
        "event": _where(click, "click", "open"),
        "url": _where(click, url, ""),
        "ip": ip,
        "user_agent": _pick(rng, _AGENTS, n),
    }
    return pd.DataFrame({name: _column(values) for name, values in columns.items()})


def make_demo_data(
    folder: str | os.PathLike[str],
    /,
    *,
    rows: int = 2_000,
    seed: int = 2024,
    now: pd.Timestamp | str | None = None,
) -> DemoData:
    """Write the sample files into ``folder`` (which must exist) and say where they are.

    Args:
        folder: an existing folder; files already there are never overwritten.
        rows: rows in the import; the events are about as many, the
            suppressed people about one in ten of a pool of ``rows`` people.
        seed: the random seed: the same seed, ``rows`` and ``now`` give the
            same files.
        now: when the events end (default: the current time, to the second).
            A naive time is a wall time in :data:`DEMO_TZ`.

    Returns:
        A :class:`DemoData` with the paths.

    Raises:
        OutputExistsError: one of the files exists already.
        MailingFileError: the folder does not exist or cannot be written.
        ValueError: ``rows`` is less than 10.
    """
    if isinstance(rows, bool) or not isinstance(rows, int) or rows < 10:
        raise ValueError(f"rows must be a whole number of at least 10, not {rows!r}")
    stamp = pd.Timestamp.now(tz=DEMO_TZ) if now is None else pd.Timestamp(now)
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize(DEMO_TZ)
    stamp = stamp.tz_convert(DEMO_TZ).floor("s")
    base = Path(folder)
    rng = np.random.default_rng(seed)
    pool = _people(rng, rows)

    at_domain = np.asarray(
        pc.equal(pool["domain"], SUPPRESSED_DOMAIN).to_numpy(zero_copy_only=False), dtype=bool
    )
    suppressed = (rng.random(rows) < 0.1) | at_domain
    on_list = pa.array(np.flatnonzero(suppressed & ~at_domain))
    kinds = pa.array(
        rng.choice(len(_SUPPRESSIONS), size=len(on_list), p=[s[2] for s in _SUPPRESSIONS])
    )
    unsubscribes = pd.DataFrame(
        {
            "email": _column(pool["email"].take(on_list).combine_chunks()),
            "scope": _column(pa.array([s[0] for s in _SUPPRESSIONS]).take(kinds)),
            "reason": _column(pa.array([s[1] for s in _SUPPRESSIONS]).take(kinds)),
        }
    )
    mailing = _mailing(rng, pool, suppressed, rows)
    events = _events(rng, pool, rows, stamp)

    paths = {name: base / f"{name}.csv" for name in ("unsubscribes", "import", "events")}
    write_mailing_file(unsubscribes, paths["unsubscribes"])
    write_mailing_file(mailing, paths["import"], encoding="cp1252", delimiter=";")
    write_mailing_file(events, paths["events"])
    return DemoData(
        folder=base,
        unsubscribes=paths["unsubscribes"],
        mailing=paths["import"],
        events=paths["events"],
        suppressed_domain=SUPPRESSED_DOMAIN,
        now=stamp,
        rows=rows,
        seed=seed,
    )
