"""Stateful test: random sequences of list operations agree with a plain Python model."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
)
from postgres_support import PostgresServer, run_machine_on_postgres

from locosuppress import (
    AddReport,
    InvalidEmailError,
    SuppressionKey,
    SuppressionList,
    normalize_domain,
    normalize_email,
)
from locosuppress.testing import emails, invalid_emails

KEY = SuppressionKey(bytes(range(32)))
SCOPE_BITS = {"all": 1, "newsletter": 2, "post": 4}
BLOCKING = {
    None: {"all", "newsletter", "post"},
    "newsletter": {"all", "newsletter"},
    "post": {"all", "post"},
}

# A small pool so that the same person comes back, written differently.
POOL = [
    "jan@example.nl",
    " Jan@Example.NL ",
    "jan+nieuws@example.nl",
    "j.a.n@gmail.com",
    "JAN@googlemail.com",
    "piet@example.nl",
    "anna@bücher.example",
    "anna@xn--bcher-kva.example",
    "x@example.org",
    "<x@example.org>",
]
DOMAINS = ["example.nl", "EXAMPLE.NL.", "gmail.com", "bücher.example", "example.org"]
VALUES = st.one_of(st.sampled_from(POOL), st.sampled_from(POOL), emails(), invalid_emails())
SCOPES = st.sampled_from(list(SCOPE_BITS))


def canonical(value: object) -> str | None:
    """The model's identity of a value: its canonical form, or None when invalid."""
    try:
        return normalize_email(value)
    except ValueError:
        return None


class SuppressionListMachine(RuleBasedStateMachine):
    """A SuppressionList against dicts of canonical form -> set of scopes."""

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="locosuppress-state-"))
        self.path: Path | str = self.new_location()
        self.lst = SuppressionList.open(self.path, KEY)
        self.emails: dict[str, set[str]] = {}
        self.domains: dict[str, set[str]] = {}
        self.seen: list[str] = []

    def new_location(self) -> Path | str:
        """Where the machine's list goes: a new file (the PostgreSQL machine: a new database)."""
        return self.folder / "list.db"

    def teardown(self) -> None:
        """Close the list and delete its folder."""
        self.lst.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def model_scopes(self, canon: str) -> set[str]:
        """Scopes that cover an address: its own and its domain's."""
        return self.emails.get(canon, set()) | self.domains.get(canon.rpartition("@")[2], set())

    # -- writes -----------------------------------------------------------------

    @rule(value=VALUES, scope=SCOPES)
    def add(self, value: object, scope: str) -> None:
        """add() is True exactly when the (person, scope) pair is new."""
        canon = canonical(value)
        if canon is None:
            with pytest.raises(InvalidEmailError, match="not a valid"):
                self.lst.add(value, scope=scope)
            return
        expected = scope not in self.emails.get(canon, set())
        assert expected == self.lst.add(value, scope=scope)
        self.emails.setdefault(canon, set()).add(scope)
        self.seen.append(canon)

    @rule(values=st.lists(VALUES, max_size=8), scope=SCOPES)
    def add_many(self, values: list[object], scope: str) -> None:
        """add_many() counts like adding one by one; invalid inputs are reported by position."""
        added = present = 0
        positions = []
        for position, value in enumerate(values):
            canon = canonical(value)
            if canon is None:
                positions.append(position)
                continue
            if scope in self.emails.get(canon, set()):
                present += 1
            else:
                added += 1
                self.emails.setdefault(canon, set()).add(scope)
                self.seen.append(canon)
        expected = AddReport(
            added=added,
            already_present=present,
            invalid=len(positions),
            invalid_positions=tuple(positions),
        )
        assert expected == self.lst.add_many(values, scope=scope)

    @rule(value=VALUES, scope=st.one_of(st.none(), SCOPES))
    def remove(self, value: object, scope: str | None) -> None:
        """remove() is True when it removed something; a named scope only that one."""
        canon = canonical(value)
        if canon is None:
            with pytest.raises(InvalidEmailError, match="not a valid"):
                self.lst.remove(value, scope=scope)
            return
        current = self.emails.get(canon, set())
        gone = current if scope is None else current & {scope}
        assert bool(gone) == self.lst.remove(value, scope=scope)
        self.emails[canon] = current - gone

    @rule(domain=st.sampled_from(DOMAINS), scope=SCOPES)
    def add_domain(self, domain: str, scope: str) -> None:
        """add_domain() is True when the (domain, scope) pair is new."""
        canon = normalize_domain(domain)
        assert (scope not in self.domains.get(canon, set())) == self.lst.add_domain(
            domain, scope=scope
        )
        self.domains.setdefault(canon, set()).add(scope)

    @rule(domain=st.sampled_from(DOMAINS), scope=st.one_of(st.none(), SCOPES))
    def remove_domain(self, domain: str, scope: str | None) -> None:
        """remove_domain() mirrors remove() for domains."""
        canon = normalize_domain(domain)
        current = self.domains.get(canon, set())
        gone = current if scope is None else current & {scope}
        assert bool(gone) == self.lst.remove_domain(domain, scope=scope)
        self.domains[canon] = current - gone

    @rule(read_only=st.booleans())
    def reopen(self, read_only: bool) -> None:
        """Closing and reopening (also read-only) changes nothing."""
        self.lst.close()
        self.lst = SuppressionList.open(self.path, KEY, create=False, read_only=read_only)
        assert self.lst.verify().ok
        if read_only:
            self.check_index()
            self.lst.close()
            self.lst = SuppressionList.open(self.path, KEY, create=False)

    # -- reads ------------------------------------------------------------------------

    @rule(value=VALUES, channel=st.sampled_from([None, "newsletter", "post"]))
    def membership(self, value: object, channel: str | None) -> None:
        """`in` and is_suppressed agree with the model, domains included."""
        canon = canonical(value)
        if canon is None:
            assert value not in self.lst
            with pytest.raises(InvalidEmailError, match="not a valid"):
                self.lst.is_suppressed(value, channel=channel)
            return
        scopes = self.model_scopes(canon)
        assert bool(scopes) == (value in self.lst)
        assert bool(scopes & BLOCKING[channel]) == self.lst.is_suppressed(value, channel=channel)

    @precondition(lambda self: bool(self.seen))
    @rule(data=st.data())
    def seen_member(self, data: st.DataObject) -> None:
        """A person added earlier is a member exactly when the model still lists them."""
        canon = data.draw(st.sampled_from(self.seen))
        assert bool(self.model_scopes(canon)) == (canon in self.lst)

    @rule()
    def check_index(self) -> None:
        """The in-memory index built from entries/pending/snapshot agrees with the model."""
        index = self.lst.index()
        people = sorted(set(self.seen) | {c for c in map(canonical, POOL) if c})
        digests = np.frombuffer(
            b"".join(KEY.hash_email(p) for p in people), dtype=np.uint8
        ).reshape(-1, 32)
        expected = [sum(SCOPE_BITS[s] for s in self.emails.get(p, set())) for p in people]
        assert expected == index.lookup(digests).tolist()
        domains = sorted(self.domains)
        expected_domains = [sum(SCOPE_BITS[s] for s in self.domains[d]) for d in domains]
        assert expected_domains == index.lookup_domains([KEY.hash_domain(d) for d in domains])

    @invariant()
    def length(self) -> None:
        """len() is the number of people and domains with at least one scope."""
        expected = sum(1 for s in self.emails.values() if s) + sum(
            1 for s in self.domains.values() if s
        )
        assert expected == len(self.lst)


SuppressionListMachine.TestCase.settings = settings(
    max_examples=40, stateful_step_count=30, deadline=None
)
TestSuppressionListMachine = SuppressionListMachine.TestCase
TestSuppressionListMachine.__doc__ = "Random operation sequences agree with the model."


def test_machine_on_postgres(postgres_server: PostgresServer) -> None:
    """Random operation sequences agree with the model on a PostgreSQL list too."""
    run_machine_on_postgres(postgres_server, SuppressionListMachine, max_examples=15, steps=30)
