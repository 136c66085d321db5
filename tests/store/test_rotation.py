"""Key rotation by wrapping: nobody is lost, and only the whole ring opens the list."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from store_support import raw_rows

from locosuppress import (
    InvalidKeyError,
    KeyMismatchError,
    KeyRing,
    ReadOnlyListError,
    RotationReport,
    SuppressionKey,
    SuppressionList,
)
from locosuppress.testing import emails, key_rings

SECOND_KEY = SuppressionKey(bytes(range(32, 64)))
THIRD_KEY = SuppressionKey(bytes(range(64, 96)))
LATER = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
ADDRESSES = [f"klant{i:04d}@voorbeeld.example" for i in range(300)]
DOMAINS = ["spam.example", "bücher.example"]
FACTORY_FIXTURE = [HealthCheck.function_scoped_fixture, HealthCheck.differing_executors]
OUTSIDERS = [f"buiten{i}@elders.example" for i in range(50)]


def fill(lst: SuppressionList) -> None:
    """Addresses in several scopes and reasons, and domains."""
    lst.add_many(ADDRESSES[:200])
    lst.add_many(ADDRESSES[150:], scope="post", reason="bounce")
    lst.add_many(ADDRESSES[250:], scope="newsletter")
    for domain in DOMAINS:
        lst.add_domain(domain)


def members(lst: SuppressionList) -> dict[str, object]:
    """Everything membership answers about the test values (no hashes)."""
    values = [*ADDRESSES, *OUTSIDERS, "iemand@spam.example", "x@bücher.example"]
    frame = pd.DataFrame({"email": values})
    return {
        "len": len(lst),
        "in": [v in lst for v in values],
        "post": [lst.is_suppressed(v, channel="post") for v in values],
        "newsletter": [lst.is_suppressed(v, channel="newsletter") for v in values],
        "kept": frame.index[frame.index.isin(lst.filter(frame).kept.index)].tolist(),
        "stats": {
            k: v for k, v in lst.stats().to_dict().items() if k not in ("fingerprint", "created_at")
        },
    }


def stored_hashes(location: Path | str) -> set[bytes]:
    """Every hash stored in ``entries``, read past locosuppress."""
    return {bytes(row[0]) for row in raw_rows(location, "SELECT hash FROM entries")}


@pytest.fixture
def rotated(location: Path | str, test_key: SuppressionKey) -> Path | str:
    """A filled list rotated once, from the test key to the second key (closed)."""
    with SuppressionList.open(location, test_key) as lst:
        fill(lst)
        lst.rotate_key(SECOND_KEY, now=LATER)
    return location


class TestRotateKey:
    """rotate_key keeps every entry and changes every stored hash."""

    def test_same_members_after_rotation(
        self, location: Path | str, test_key: SuppressionKey
    ) -> None:
        """Every membership answer, the filter and the counts are the same after rotating."""
        with SuppressionList.open(location, test_key) as lst:
            fill(lst)
            before = members(lst)
            lst.rotate_key(SECOND_KEY)
            assert before == members(lst)
        with SuppressionList.open(location, KeyRing([test_key, SECOND_KEY])) as lst:
            assert before == members(lst)

    def test_every_stored_hash_changes(
        self, location: Path | str, test_key: SuppressionKey
    ) -> None:
        """No stored hash survives a rotation, and the count of hashes stays."""
        with SuppressionList.open(location, test_key) as lst:
            fill(lst)
            old = stored_hashes(location)
            lst.rotate_key(SECOND_KEY)
        new = stored_hashes(location)
        assert len(old) == len(new)
        assert set() == old & new

    def test_report(self, location: Path | str, test_key: SuppressionKey) -> None:
        """The report counts entries and hashes and names both chains."""
        with SuppressionList.open(location, test_key) as lst:
            fill(lst)
            entries = lst.stats().entries
            report = lst.rotate_key(SECOND_KEY, now=LATER)
        ring = KeyRing([test_key, SECOND_KEY])
        assert isinstance(report, RotationReport)
        assert (entries, len(ADDRESSES) + len(DOMAINS)) == (report.entries, report.hashes)
        assert ((test_key.fingerprint,), ring.chain) == (report.chain_before, report.chain_after)
        assert (test_key.fingerprint, ring.fingerprint) == (
            report.fingerprint_before,
            report.fingerprint_after,
        )
        data = report.to_dict()
        assert "2026-01-02T03:04:05Z" == data["rotated_at"]
        assert json.loads(json.dumps(data)) == data
        assert ring.fingerprint in str(report)
        assert ring.fingerprint in report._repr_html_()

    def test_progress(self, location: Path | str, test_key: SuppressionKey) -> None:
        """progress(done, total) starts at 0 and ends at the number of hashes."""
        calls: list[tuple[int, int]] = []
        with SuppressionList.open(location, test_key) as lst:
            fill(lst)
            lst.rotate_key(SECOND_KEY, progress=lambda done, total: calls.append((done, total)))
        total = len(ADDRESSES) + len(DOMAINS)
        assert (0, total) == calls[0]
        assert (total, total) == calls[-1]

    def test_the_list_records_the_chain(
        self, rotated: Path | str, test_key: SuppressionKey
    ) -> None:
        """The list shows its chain, its rotation time and its chain fingerprint."""
        ring = KeyRing([test_key, SECOND_KEY])
        with SuppressionList.open(rotated, ring) as lst:
            assert (ring.chain, (LATER,), ring.fingerprint) == (
                lst.chain,
                lst.rotated_at,
                lst.fingerprint,
            )

    def test_audit_row(self, rotated: Path | str, test_key: SuppressionKey) -> None:
        """The audit log holds one 'rotate' row with the count of entries, nothing else."""
        with SuppressionList.open(rotated, KeyRing([test_key, SECOND_KEY])) as lst:
            audit = lst.audit()
            entries = lst.stats().entries
        row = audit[audit["operation"] == "rotate"]
        assert [entries] == row["total"].tolist()

    def test_data_version_moves(self, location: Path | str, test_key: SuppressionKey) -> None:
        """A rotation raises the data version (cached indexes and Dask graphs reload)."""
        with SuppressionList.open(location, test_key) as lst:
            fill(lst)
            before = lst.data_version()
            lst.rotate_key(SECOND_KEY)
            assert before < lst.data_version()

    def test_twice(self, location: Path | str, test_key: SuppressionKey) -> None:
        """Two rotations give a three-key chain; only the three-key ring opens it."""
        with SuppressionList.open(location, test_key) as lst:
            fill(lst)
            before = members(lst)
            lst.rotate_key(SECOND_KEY)
            lst.rotate_key(THIRD_KEY)
        ring = KeyRing([test_key, SECOND_KEY, THIRD_KEY])
        with SuppressionList.open(location, ring) as lst:
            assert before == members(lst)
            assert ring.chain == lst.verify().chain
        with pytest.raises(KeyMismatchError, match=ring.chain[1]):
            SuppressionList.open(location, KeyRing([test_key, SECOND_KEY]))

    def test_refuses_a_key_in_the_chain(
        self, rotated: Path | str, test_key: SuppressionKey
    ) -> None:
        """Rotating to a key the chain already holds is refused, and nothing changes."""
        with SuppressionList.open(rotated, KeyRing([test_key, SECOND_KEY])) as lst:
            version = lst.data_version()
            for key in (test_key, SECOND_KEY):
                with pytest.raises(InvalidKeyError, match="already in the list's chain"):
                    lst.rotate_key(key)
            assert version == lst.data_version()

    def test_refuses_material(self, lst: SuppressionList, test_key: SuppressionKey) -> None:
        """The new key must be a key: hashing material cannot make a wrap subkey."""
        with pytest.raises(TypeError, match="never a HashingMaterial"):
            lst.rotate_key(SECOND_KEY.hashing_material())  # type: ignore[arg-type]

    def test_read_only(self, rotated: Path | str, test_key: SuppressionKey) -> None:
        """A read-only list refuses to rotate."""
        ring = KeyRing([test_key, SECOND_KEY])
        with (
            SuppressionList.open(rotated, ring, read_only=True) as lst,
            pytest.raises(ReadOnlyListError, match="read_only=True"),
        ):
            lst.rotate_key(THIRD_KEY)

    def test_adds_after_rotation_use_the_chain(
        self, location: Path | str, test_key: SuppressionKey
    ) -> None:
        """Addresses added after a rotation are found when the list is opened with the ring."""
        with SuppressionList.open(location, test_key) as lst:
            fill(lst)
            lst.rotate_key(SECOND_KEY)
            lst.add("nieuw@voorbeeld.example")
            lst.add_many(OUTSIDERS[:10])
            assert lst.remove(ADDRESSES[0])
        with SuppressionList.open(location, KeyRing([test_key, SECOND_KEY])) as lst:
            assert "nieuw@voorbeeld.example" in lst
            assert all(v in lst for v in OUTSIDERS[:10])
            assert ADDRESSES[0] not in lst
            assert ADDRESSES[1] in lst

    def test_empty_list(self, lst: SuppressionList, test_key: SuppressionKey) -> None:
        """An empty list rotates too (nothing to wrap; the chain is recorded)."""
        report = lst.rotate_key(SECOND_KEY)
        assert (0, 0) == (report.entries, report.hashes)
        assert KeyRing([test_key, SECOND_KEY]).chain == lst.chain


class TestOpeningARotatedList:
    """After a rotation only the ring of the whole chain, in order, opens the list."""

    @pytest.mark.parametrize(
        "keys",
        [
            pytest.param(lambda old: [old], id="old key"),
            pytest.param(lambda old: [SECOND_KEY], id="new key"),
            pytest.param(lambda old: [SECOND_KEY, old], id="reversed ring"),
            pytest.param(lambda old: [old, THIRD_KEY], id="other new key"),
            pytest.param(lambda old: [old, SECOND_KEY, THIRD_KEY], id="longer ring"),
        ],
    )
    def test_refused(
        self,
        rotated: Path | str,
        test_key: SuppressionKey,
        keys: Callable[[SuppressionKey], list[SuppressionKey]],
    ) -> None:
        """A single key, or a ring missing, reordering or adding a key, is a KeyMismatchError."""
        chain = f"{test_key.fingerprint} -> {SECOND_KEY.fingerprint}"
        given_keys = keys(test_key)
        key = given_keys[0] if len(given_keys) == 1 else KeyRing(given_keys)
        with pytest.raises(KeyMismatchError, match=f"{chain}.*key rotate"):
            SuppressionList.open(rotated, key)

    def test_ring_opens(self, rotated: Path | str, test_key: SuppressionKey) -> None:
        """The ring of the whole chain opens the list and finds everyone."""
        with SuppressionList.open(rotated, KeyRing([test_key, SECOND_KEY])) as lst:
            assert all(a in lst for a in ADDRESSES)
            assert not any(a in lst for a in OUTSIDERS)

    def test_material_of_the_ring_opens(
        self, rotated: Path | str, test_key: SuppressionKey
    ) -> None:
        """The ring's hashing material opens the list, as a key's does."""
        matter = KeyRing([test_key, SECOND_KEY]).hashing_material()
        with SuppressionList.open(rotated, matter) as lst:
            assert ADDRESSES[0] in lst

    def test_one_key_ring_opens_an_unrotated_list(
        self, location: Path | str, test_key: SuppressionKey
    ) -> None:
        """A one-key ring opens a list that was never rotated."""
        with SuppressionList.open(location, test_key) as lst:
            fill(lst)
        with SuppressionList.open(location, KeyRing([test_key])) as lst:
            assert ADDRESSES[0] in lst

    def test_other_open_instances_refuse(
        self, location: Path | str, test_key: SuppressionKey
    ) -> None:
        """An instance opened before another one rotated refuses to answer or write."""
        with (
            SuppressionList.open(location, test_key) as first,
            SuppressionList.open(location, test_key) as second,
        ):
            fill(first)
            assert ADDRESSES[0] in second
            first.rotate_key(SECOND_KEY)
            for call in (
                lambda: ADDRESSES[0] in second,
                lambda: second.index(),
                lambda: second.add("nieuw@voorbeeld.example"),
                lambda: second.filter(pd.DataFrame({"email": ADDRESSES})),
            ):
                with pytest.raises(KeyMismatchError, match="was rotated"):
                    call()
            assert ADDRESSES[0] in first


class TestThreat:
    """The list plus one key of its chain answers no membership question."""

    def test_old_key_alone_finds_nothing(
        self, rotated: Path | str, test_key: SuppressionKey
    ) -> None:
        """Hashing every test value with the old key finds none of the stored values."""
        stored = stored_hashes(rotated)
        guesses = {test_key.hash_email(a) for a in [*ADDRESSES, *OUTSIDERS]}
        guesses |= {test_key.hash_domain(d) for d in DOMAINS}
        assert len(ADDRESSES) + len(DOMAINS) == len(stored)
        assert set() == stored & guesses

    def test_new_key_alone_finds_nothing(
        self, rotated: Path | str, test_key: SuppressionKey
    ) -> None:
        """Hashing every test value with the new key alone finds none of the stored values."""
        stored = stored_hashes(rotated)
        guesses = {SECOND_KEY.hash_email(a) for a in ADDRESSES}
        guesses |= {SECOND_KEY.hash_domain(d) for d in DOMAINS}
        assert set() == stored & guesses

    def test_the_ring_finds_everyone(self, rotated: Path | str, test_key: SuppressionKey) -> None:
        """The scan works: the ring's hashes are exactly the stored values."""
        matter = KeyRing([test_key, SECOND_KEY]).hashing_material()
        expected = {matter.hash_email(a) for a in ADDRESSES}
        expected |= {matter.hash_domain(d) for d in DOMAINS}
        assert expected == stored_hashes(rotated)


class TestCopiesOfARotatedList:
    """Backups, exports, merges and copies keep the chain."""

    def test_backup_opens_only_with_the_ring(
        self, rotated: Path | str, test_key: SuppressionKey, tmp_path: Path
    ) -> None:
        """A backup of a rotated list opens with its ring, not with either key."""
        ring = KeyRing([test_key, SECOND_KEY])
        with SuppressionList.open(rotated, ring) as lst:
            lst.backup(tmp_path / "backup.db")
        for key in (test_key, SECOND_KEY):
            with pytest.raises(KeyMismatchError, match="key rotate"):
                SuppressionList.open(tmp_path / "backup.db", key)
        with SuppressionList.open(tmp_path / "backup.db", ring) as copy:
            assert ADDRESSES[0] in copy
            assert ring.chain == copy.chain

    def test_export_records_the_chain(
        self, rotated: Path | str, test_key: SuppressionKey, tmp_path: Path
    ) -> None:
        """An export's header names the chain fingerprint and the chain's key fingerprints."""
        ring = KeyRing([test_key, SECOND_KEY])
        with SuppressionList.open(rotated, ring) as lst:
            lst.export(tmp_path / "out.lsx")
        header = json.loads((tmp_path / "out.lsx").read_bytes().split(b"\n")[0].split(b" ", 1)[1])
        assert (ring.fingerprint, list(ring.chain)) == (header["fingerprint"], header["chain"])

    def test_merge_needs_the_same_chain(
        self, rotated: Path | str, test_key: SuppressionKey, tmp_path: Path
    ) -> None:
        """An export made before the rotation is refused; one made after merges."""
        ring = KeyRing([test_key, SECOND_KEY])
        with SuppressionList.open(tmp_path / "old.db", test_key) as old:
            old.add_many(OUTSIDERS)
            old.export(tmp_path / "old.lsx")
        with SuppressionList.open(rotated, ring) as lst:
            with pytest.raises(KeyMismatchError, match="export the list again"):
                lst.merge(tmp_path / "old.lsx")
            assert OUTSIDERS[0] not in lst
            with SuppressionList.open(tmp_path / "old.db", test_key) as old:
                old.rotate_key(SECOND_KEY)
                old.export(tmp_path / "new.lsx")
            assert len(OUTSIDERS) == lst.merge(tmp_path / "new.lsx").added
            assert OUTSIDERS[0] in lst

    @pytest.mark.parametrize("target_backend", ["sqlite", "postgres"])
    def test_copy_to_keeps_the_chain(
        self,
        rotated: Path | str,
        test_key: SuppressionKey,
        tmp_path: Path,
        target_backend: str,
        request: pytest.FixtureRequest,
    ) -> None:
        """copy_to onto either backend keeps the chain and its rotation times."""
        if target_backend == "sqlite":
            target: Path | str = tmp_path / "copy.db"
        else:
            server = request.getfixturevalue("postgres_server")
            target = str(server.url(server.new_database()))  # type: ignore[attr-defined]
        ring = KeyRing([test_key, SECOND_KEY])
        with SuppressionList.open(rotated, ring) as lst:
            before = members(lst)
            lst.copy_to(target)
        with pytest.raises(KeyMismatchError, match="key rotate"):
            SuppressionList.open(target, SECOND_KEY)
        with SuppressionList.open(target, ring) as copy:
            assert (ring.chain, (LATER,)) == (copy.chain, copy.rotated_at)
            assert before == members(copy)


class TestVerify:
    """verify says which chain the list holds."""

    def test_unrotated(self, lst: SuppressionList, test_key: SuppressionKey) -> None:
        """An unrotated list's chain is its one key."""
        report = lst.verify()
        assert (test_key.fingerprint,) == report.chain
        assert [test_key.fingerprint] == report.to_dict()["chain"]

    def test_rotated(self, rotated: Path | str, test_key: SuppressionKey) -> None:
        """A rotated list's verify names the whole chain and passes."""
        ring = KeyRing([test_key, SECOND_KEY])
        with SuppressionList.open(rotated, ring) as lst:
            report = lst.verify()
        assert (True, ring.chain) == (report.ok, report.chain)
        assert SECOND_KEY.fingerprint in str(report)


@pytest.fixture
def new_location(
    storage: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Callable[[], Path | str]:
    """A factory of new list locations on the test's backend (one per Hypothesis example)."""

    def make() -> Path | str:
        if storage == "sqlite":
            return tmp_path_factory.mktemp("list") / "l.db"
        server = request.getfixturevalue("postgres_server")
        return str(server.url(server.new_database()))

    return make


class TestRotationProperty:
    """Random lists and any number of rotations: the same people are suppressed."""

    @settings(max_examples=8, suppress_health_check=FACTORY_FIXTURE)
    @given(
        ring=key_rings(min_size=1, max_size=4),
        listed=st.lists(emails(), min_size=1, max_size=30, unique=True),
        others=st.lists(emails(), max_size=10),
    )
    def test_members_survive_rotations(
        self,
        new_location: Callable[[], Path | str],
        tmp_path_factory: pytest.TempPathFactory,
        ring: KeyRing,
        listed: list[str],
        others: list[str],
    ) -> None:
        """After every rotation and reopening: in, is_suppressed, filter, export counts agree."""
        values = [*listed, *others]
        frame = pd.DataFrame({"email": values})
        location = new_location()
        lst = SuppressionList.open(location, ring.keys[0])
        try:
            lst.add_many(listed, scope="post")

            def answers() -> tuple[object, ...]:
                return (
                    [v in lst for v in values],
                    [lst.is_suppressed(v, channel="post") for v in values],
                    lst.filter(frame).report.suppressed,
                    len(lst),
                    lst.stats().entries,
                    lst.export(tmp_path_factory.mktemp("x") / "all.lsx").count,
                    lst.export(tmp_path_factory.mktemp("x") / "post.lsx", channel="post").count,
                )

            expected = answers()
            for key in ring.keys[1:]:
                lst.rotate_key(key)
                assert expected == answers()
        finally:
            lst.close()
        with SuppressionList.open(location, ring) as reopened:
            lst = reopened
            assert expected == answers()
