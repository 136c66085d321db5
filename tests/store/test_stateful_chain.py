"""Stateful test of a list that outlives its key: every kind of entry, rotations, rings, copies.

Random sequences of add, add_domain (wildcards too), add_foreign_hashes,
remove, remove_domain, rotate_key, reopening with the ring, export + merge
into a new list, and filtering, checked against a plain model of who is
suppressed in which scope.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
)
from postgres_support import PostgresServer, run_machine_on_postgres

from locosuppress import (
    KeyMismatchError,
    KeyRing,
    SuppressionKey,
    SuppressionList,
    normalize_domain,
    normalize_email,
)
from locosuppress.normalize import unwrapped_lower

SCOPES = st.sampled_from(["all", "newsletter", "post"])
BLOCKING = {
    None: {"all", "newsletter", "post"},
    "newsletter": {"all", "newsletter"},
    "post": {"all", "post"},
}
# People who come back written differently, in domains and subdomains that
# wildcard entries reach at several depths.
POOL = [
    "jan@example.nl",
    " Jan@Example.NL ",
    "jan+nieuws@example.nl",
    "Jan de Vries <JAN@example.nl>",
    "piet@mail.example.nl",
    "PIET@Mail.Example.NL",
    "anna@a.b.example.nl",
    "zoë@bücher.example",
    "zoe@sub.bücher.example",
    "x@example.org",
    "<x@shop.example.org>",
    "j.a.n@gmail.com",
    "JAN@googlemail.com",
]
DOMAINS = ["example.nl", "EXAMPLE.NL.", "mail.example.nl", "bücher.example", "example.org"]
WILDCARDS = ["*.example.nl", "*.Example.NL", "*.b.example.nl", "*.bücher.example", "*.example.org"]
KINDS = ["md5", "sha1", "sha256", "sha256-v1"]
DIGEST_SIZES = {"md5": 16, "sha1": 20, "sha256": 32, "sha256-v1": 32}


def digest_of(kind: str, value: str) -> bytes:
    """A client's digest of a cell (unwrapped and lower-cased), or of our canonical form."""
    text = normalize_email(value) if kind == "sha256-v1" else unwrapped_lower(value)
    name = "sha256" if kind == "sha256-v1" else kind
    return hashlib.new(name, text.encode("utf-8")).digest()


def spelled(digest: bytes, form: str) -> str:
    """A digest as clients' files write it."""
    return {
        "hex": digest.hex(),
        "HEX": digest.hex().upper(),
        "b64": base64.b64encode(digest).decode(),
        "b64url": base64.urlsafe_b64encode(digest).decode().rstrip("="),
    }[form]


class ChainMachine(RuleBasedStateMachine):
    """A SuppressionList under rotation against dicts of entry -> scopes."""

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="locosuppress-chain-"))
        self.path = self.new_location()
        self.keys = [SuppressionKey(bytes(range(32)))]
        self.lst = SuppressionList.open(self.path, self.ring)
        self.emails: dict[str, set[str]] = {}
        self.domains: dict[str, set[str]] = {}
        self.wildcards: dict[str, set[str]] = {}
        self.foreign: dict[tuple[str, bytes], set[str]] = {}
        self.copies = 0

    def new_location(self) -> Path | str:
        """Where the machine's list goes: a new file (the PostgreSQL machine: a new database)."""
        return self.folder / "list.db"

    @property
    def ring(self) -> KeyRing:
        """The ring of the list's whole chain."""
        return KeyRing(self.keys)

    def teardown(self) -> None:
        """Close the list and delete its folder."""
        self.lst.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def model_scopes(self, value: str) -> set[str]:
        """Every scope some entry of any kind gives this cell."""
        canon = normalize_email(value)
        domain = canon.rpartition("@")[2]
        labels = domain.split(".")
        suffixes = [".".join(labels[i:]) for i in range(1, len(labels) - 1)]
        scopes = self.emails.get(canon, set()) | self.domains.get(domain, set())
        for suffix in suffixes:
            scopes |= self.wildcards.get(suffix, set())
        for kind in KINDS:
            scopes |= self.foreign.get((kind, digest_of(kind, value)), set())
        return scopes

    # -- writes -----------------------------------------------------------------

    @rule(value=st.sampled_from(POOL), scope=SCOPES)
    def add(self, value: str, scope: str) -> None:
        """add() is True exactly when the (address, scope) pair is new."""
        canon = normalize_email(value)
        assert (scope not in self.emails.get(canon, set())) == self.lst.add(value, scope=scope)
        self.emails.setdefault(canon, set()).add(scope)

    @rule(value=st.sampled_from(POOL), scope=st.one_of(st.none(), SCOPES))
    def remove(self, value: str, scope: str | None) -> None:
        """remove() takes the address entry only; other kinds still suppress."""
        canon = normalize_email(value)
        current = self.emails.get(canon, set())
        gone = current if scope is None else current & {scope}
        assert bool(gone) == self.lst.remove(value, scope=scope)
        self.emails[canon] = current - gone

    @rule(domain=st.sampled_from(DOMAINS + WILDCARDS), scope=SCOPES)
    def add_domain(self, domain: str, scope: str) -> None:
        """add_domain() of a domain or a wildcard is True when the pair is new."""
        table, canon = self.domain_entry(domain)
        assert (scope not in table.get(canon, set())) == self.lst.add_domain(domain, scope=scope)
        table.setdefault(canon, set()).add(scope)

    @rule(domain=st.sampled_from(DOMAINS + WILDCARDS), scope=st.one_of(st.none(), SCOPES))
    def remove_domain(self, domain: str, scope: str | None) -> None:
        """remove_domain() mirrors remove() for domains and wildcards."""
        table, canon = self.domain_entry(domain)
        current = table.get(canon, set())
        gone = current if scope is None else current & {scope}
        assert bool(gone) == self.lst.remove_domain(domain, scope=scope)
        table[canon] = current - gone

    def domain_entry(self, domain: str) -> tuple[dict[str, set[str]], str]:
        """The model table and key of a domain or wildcard option."""
        if domain.startswith("*."):
            return self.wildcards, normalize_domain(domain[2:])
        return self.domains, normalize_domain(domain)

    @rule(
        values=st.lists(st.sampled_from(POOL), min_size=1, max_size=4),
        kind=st.sampled_from(KINDS),
        form=st.sampled_from(["hex", "HEX", "b64", "b64url"]),
        junk=st.lists(st.sampled_from(["", "xyz", "00" * 15, "zz" * 16]), max_size=2),
        scope=SCOPES,
    )
    def add_foreign_hashes(
        self, values: list[str], kind: str, form: str, junk: list[str], scope: str
    ) -> None:
        """A client's file: its valid digests are stored (keyed), its junk only counted."""
        digests = [digest_of(kind, v) for v in values]
        report = self.lst.add_foreign_hashes(
            [spelled(d, form) for d in digests] + junk, kind=kind, scope=scope
        )
        assert len(junk) == report.invalid
        new = {d for d in digests if scope not in self.foreign.get((kind, d), set())}
        assert len(new) == report.added
        event(f"foreign {kind} digests added")
        for d in digests:
            self.foreign.setdefault((kind, d), set()).add(scope)

    @precondition(lambda self: len(self.keys) < 4)
    @rule()
    def rotate(self) -> None:
        """Rotating keeps every member; the old ring and the new key alone are refused."""
        new_key = SuppressionKey(bytes([len(self.keys)]) * 32)
        old_ring = self.ring
        report = self.lst.rotate_key(new_key)
        self.keys.append(new_key)
        event(f"rotated to a chain of {len(self.keys)} keys")
        if self.wildcards or self.foreign:
            event("rotated a list holding wildcard or foreign entries")
        assert self.ring.chain == report.chain_after
        assert old_ring.chain == report.chain_before
        for wrong in (old_ring, new_key, KeyRing(self.keys[::-1])):
            with pytest.raises(KeyMismatchError, match="rotated"):
                SuppressionList.open(self.path, wrong, create=False, read_only=True)

    @rule(read_only=st.booleans())
    def reopen(self, read_only: bool) -> None:
        """Closing and reopening with the ring (also read-only) changes nothing."""
        self.lst.close()
        self.lst = SuppressionList.open(self.path, self.ring, create=False, read_only=read_only)
        assert self.lst.verify().ok
        self.check_members()
        if read_only:
            self.lst.close()
            self.lst = SuppressionList.open(self.path, self.ring, create=False)

    @rule()
    def export_and_merge(self) -> None:
        """An export merged into a new list of the same ring suppresses the same people."""
        self.copies += 1
        export = self.folder / f"export-{self.copies}.lsx"
        self.lst.export(export)
        with SuppressionList.open(self.folder / f"copy-{self.copies}.db", self.ring) as copy:
            copy.merge(export)
            for value in POOL:
                assert bool(self.model_scopes(value)) == (value in copy)

    # -- reads ------------------------------------------------------------------------

    @rule(channel=st.sampled_from([None, "newsletter", "post"]))
    def filter(self, channel: str | None) -> None:
        """The filter removes exactly the rows some entry blocks on the channel."""
        frame = pd.DataFrame({"email": POOL, "row": range(len(POOL))})
        result = self.lst.filter(frame, channel=channel, dedupe=False)
        blocked = [bool(self.model_scopes(v) & BLOCKING[channel]) for v in POOL]
        assert [r for r, b in enumerate(blocked) if not b] == list(result.kept["row"])
        assert sum(blocked) == result.report.suppressed
        assert frame.equals(pd.DataFrame({"email": POOL, "row": range(len(POOL))}))

    @invariant()
    def check_members(self) -> None:
        """`in` and is_suppressed agree with the model for every pool spelling."""
        for value in POOL:
            scopes = self.model_scopes(value)
            assert bool(scopes) == (value in self.lst)
            assert bool(scopes & BLOCKING["post"]) == self.lst.is_suppressed(value, channel="post")

    @invariant()
    def length(self) -> None:
        """len() counts every entry of every kind that still has a scope."""
        tables = (self.emails, self.domains, self.wildcards, self.foreign)
        assert sum(1 for table in tables for s in table.values() if s) == len(self.lst)


ChainMachine.TestCase.settings = settings(max_examples=25, stateful_step_count=20, deadline=None)
TestChainMachine = ChainMachine.TestCase
TestChainMachine.__doc__ = "Random sequences over every kind, with rotations, agree with the model."


def test_chain_machine_on_postgres(postgres_server: PostgresServer) -> None:
    """Every kind, rotations and rings agree with the model on a PostgreSQL list too."""
    run_machine_on_postgres(postgres_server, ChainMachine, max_examples=10, steps=20)
