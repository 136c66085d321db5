"""Deterministic synthetic data shared by the benchmarks (no real addresses)."""

from __future__ import annotations

import numpy as np
import pandas as pd

FIRST = [
    "jan",
    "piet",
    "klaas",
    "anna",
    "emma",
    "sophie",
    "daan",
    "lucas",
    "mila",
    "noah",
    "julia",
    "sem",
    "tess",
    "finn",
    "sara",
    "levi",
    "fleur",
    "bram",
    "lotte",
    "thijs",
]
FIRST_INTL = ["zoë", "ĳsbrand", "renée", "joël", "chloé", "daniël", "noël", "anaïs"]
LAST = [
    "devries",
    "jansen",
    "bakker",
    "visser",
    "smit",
    "meijer",
    "mulder",
    "deboer",
    "bos",
    "vos",
    "peters",
    "hendriks",
    "dekker",
    "brouwer",
    "dejong",
    "vandijk",
]
DOMAINS = [
    "example.nl",
    "voorbeeld.nl",
    "mail.example.com",
    "gmail.com",
    "hotmail.nl",
    "ziggo.example.nl",
    "kpnmail.example.nl",
    "bedrijf.example.eu",
    "outlook.example.com",
]
IDN_DOMAINS = ["bücher.example.de", "café.example.fr"]
#: Share of addresses with a non-ASCII user name, and with an international
#: domain. Dutch customer files hold few of either; the slow exact path
#: handles them, so they are kept in the data.
SHARE_INTL_NAME = 0.03
SHARE_IDN = 0.01


def canonical_like(n: int, *, seed: int = 0, offset: int = 0) -> list[str]:
    """``n`` distinct, already clean addresses (mostly ASCII, some international)."""
    rng = np.random.default_rng(seed)
    first = rng.integers(0, len(FIRST), n)
    last = rng.integers(0, len(LAST), n)
    dom = rng.integers(0, len(DOMAINS), n)
    intl = rng.random(n)
    out = []
    for i, f, s, d, x in zip(range(offset, offset + n), first, last, dom, intl, strict=True):
        name = FIRST_INTL[f % len(FIRST_INTL)] if x < SHARE_INTL_NAME else FIRST[f]
        domain = (
            IDN_DOMAINS[d % len(IDN_DOMAINS)]
            if SHARE_INTL_NAME <= x < SHARE_INTL_NAME + SHARE_IDN
            else DOMAINS[d]
        )
        out.append(f"{name}.{LAST[s]}{i}@{domain}")
    return out


def messy(addresses: list[str], *, seed: int = 1) -> list[str]:
    """Spell each address the way real imports do.

    A third upper-cased and padded with spaces; about 5% with a display name
    or angle brackets; about 3% with a +tag; the rest as is.
    """
    rng = np.random.default_rng(seed)
    kind = rng.random(len(addresses))
    out = []
    for address, k in zip(addresses, kind, strict=True):
        if k < 1 / 3:
            out.append(f"  {address.upper()} ")
        elif k < 1 / 3 + 0.05:
            out.append(f"Jan de Vries <{address}>")
        elif k < 1 / 3 + 0.08:
            local, domain = address.split("@")
            out.append(f"{local}+nieuwsbrief@{domain}")
        else:
            out.append(address)
    return out


def messy_series(n: int, *, seed: int = 0) -> pd.Series:
    """A Series of ``n`` messy addresses as read from a file (pandas' default str dtype)."""
    return pd.Series(messy(canonical_like(n, seed=seed), seed=seed + 1), dtype="str")
