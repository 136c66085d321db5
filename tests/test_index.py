"""The compact in-memory membership index."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from locosuppress import ListCorruptedError
from locosuppress._index import KIND_DOMAIN, KIND_EMAIL, SuppressionIndex

DIGEST = st.binary(min_size=32, max_size=32)
ENTRY = st.tuples(DIGEST, st.sampled_from([KIND_EMAIL, KIND_DOMAIN]), st.sampled_from([1, 2, 4]))


def _arr(digests: list[bytes]) -> np.ndarray:
    return np.frombuffer(b"".join(digests), dtype=np.uint8).reshape(-1, 32)


def _model(rows: list[tuple[bytes, int, int]]) -> dict[tuple[bytes, int], int]:
    model: dict[tuple[bytes, int], int] = {}
    for digest, kind, scope in rows:
        model[(digest, kind)] = model.get((digest, kind), 0) | scope
    return model


class TestLookup:
    """Lookups agree with a plain dict model."""

    @given(st.lists(ENTRY, max_size=40), st.lists(DIGEST, max_size=20))
    def test_agrees_with_model(
        self, rows: list[tuple[bytes, int, int]], probes: list[bytes]
    ) -> None:
        """Every stored hash is found with its OR-ed scopes; others give 0."""
        index = SuppressionIndex.from_rows(rows)
        model = _model(rows)
        queries = [d for d, k, _ in rows if k == KIND_EMAIL] + probes
        expected = [model.get((q, KIND_EMAIL), 0) for q in queries]
        got = index.lookup(_arr(queries)) if queries else np.zeros(0, np.uint8)
        assert expected == got.tolist()
        domains = [d for d, k, _ in rows if k == KIND_DOMAIN] + probes
        assert [model.get((q, KIND_DOMAIN), 0) for q in domains] == index.lookup_domains(domains)
        assert len(model) == len(index)

    @given(st.lists(ENTRY, max_size=30), st.lists(ENTRY, max_size=30))
    def test_merge_equals_build(
        self, a: list[tuple[bytes, int, int]], b: list[tuple[bytes, int, int]]
    ) -> None:
        """Building in two steps equals building at once."""
        once = SuppressionIndex.from_rows(a + b)
        twice = SuppressionIndex.from_rows(a).merged_rows(b)
        assert once.to_bytes() == twice.to_bytes()

    @given(
        seed=st.integers(0, 2**32 - 1),
        new=st.lists(ENTRY, max_size=8),
        again=st.lists(st.tuples(st.integers(0, 399), st.sampled_from([1, 2, 4])), max_size=5),
        twins=st.lists(st.tuples(st.integers(0, 399), DIGEST), max_size=3),
    )
    def test_small_merge_equals_build(
        self,
        seed: int,
        new: list[tuple[bytes, int, int]],
        again: list[tuple[int, int]],
        twins: list[tuple[int, bytes]],
    ) -> None:
        """A few rows merged into a large index (the insertion path) equal a full build.

        The few rows include new hashes, stored hashes in other scopes, and
        hashes sharing their first 8 bytes with stored ones.
        """
        rng = np.random.default_rng(seed)
        base = [(rng.bytes(32), KIND_EMAIL, int(rng.choice([1, 2, 4]))) for _ in range(400)]
        few = [
            *new,
            *((base[i][0], KIND_EMAIL, scope) for i, scope in again),
            *((base[i][0][:8] + tail[8:], KIND_EMAIL, 2) for i, tail in twins),
        ]
        once = SuppressionIndex.from_rows(base + few)
        twice = SuppressionIndex.from_rows(base).merged_rows(few)
        assert once.to_bytes() == twice.to_bytes()
        assert len(once) == len(twice)

    def test_trailing_nul_bytes(self) -> None:
        """Hashes ending in one or more NUL bytes are found (the numpy S32 trap)."""
        rng = np.random.default_rng(1)
        digests = [rng.bytes(32 - k) + b"\x00" * k for k in range(9)]
        index = SuppressionIndex.from_rows([(d, KIND_EMAIL, 1) for d in digests])
        assert [1] * len(digests) == index.lookup(_arr(digests)).tolist()
        # ... and the NUL-stripped versions are not members.
        stripped = [d.rstrip(b"\x00").ljust(32, b"\x01") for d in digests[1:]]
        assert [0] * len(stripped) == index.lookup(_arr(stripped)).tolist()

    def test_shared_prefix(self) -> None:
        """Two hashes sharing their first 8 bytes are told apart exactly."""
        prefix = b"\xab" * 8
        a, b, c = prefix + b"\x01" * 24, prefix + b"\x02" * 24, prefix + b"\x03" * 24
        index = SuppressionIndex.from_rows([(a, KIND_EMAIL, 1), (b, KIND_EMAIL, 2)])
        assert [1, 2, 0] == index.lookup(_arr([a, b, c])).tolist()

    def test_compact(self) -> None:
        """The arrays hold 33 bytes per e-mail entry."""
        rng = np.random.default_rng(2)
        n = 10_000
        index = SuppressionIndex.build(
            rng.integers(0, 256, (n, 32), dtype=np.uint8),
            np.zeros(n, np.uint8),
            np.ones(n, np.uint8),
        )
        assert 33 * n == index.nbytes


class TestPersistence:
    """Snapshot bytes round-trip and refuse damage."""

    @given(st.lists(ENTRY, max_size=30), st.lists(DIGEST, max_size=10))
    def test_round_trip(self, rows: list[tuple[bytes, int, int]], probes: list[bytes]) -> None:
        """from_bytes(to_bytes(i)) answers every lookup, of members and others, like the model."""
        index = SuppressionIndex.from_rows(rows)
        again = SuppressionIndex.from_bytes(index.to_bytes())
        model = _model(rows)
        emails = [d for d, k, _ in rows if k == KIND_EMAIL] + probes
        expected = [model.get((q, KIND_EMAIL), 0) for q in emails]
        got = again.lookup(_arr(emails)) if emails else np.zeros(0, np.uint8)
        assert expected == got.tolist()
        domains = [d for d, k, _ in rows if k == KIND_DOMAIN] + probes
        assert [model.get((q, KIND_DOMAIN), 0) for q in domains] == again.lookup_domains(domains)
        assert (len(model), index.email_count, index.domain_count) == (
            len(again),
            again.email_count,
            again.domain_count,
        )
        assert index.to_bytes() == again.to_bytes()

    def test_round_trip_answers(self) -> None:
        """A snapshot of known entries answers members with their scopes and others with 0."""
        a, b, c = b"\x10" * 32, b"\x20" * 31 + b"\x00", b"\x30" * 32
        index = SuppressionIndex.from_rows(
            [(a, KIND_EMAIL, 1), (a, KIND_EMAIL, 4), (b, KIND_EMAIL, 2), (c, KIND_DOMAIN, 4)]
        )
        again = SuppressionIndex.from_bytes(index.to_bytes())
        assert [5, 2, 0] == again.lookup(_arr([a, b, c])).tolist()
        assert [0, 0, 4] == again.lookup_domains([a, b, c])

    @pytest.mark.parametrize(
        "damage", [lambda b: b[:-1], lambda b: b"XXXXXXXX" + b[8:], lambda b: b[:5]]
    )
    def test_damaged_snapshot(self, damage) -> None:  # type: ignore[no-untyped-def]
        """A truncated or foreign snapshot raises ListCorruptedError."""
        data = SuppressionIndex.from_rows([(b"\x01" * 32, KIND_EMAIL, 1)]).to_bytes()
        with pytest.raises(ListCorruptedError, match=r"snapshot is (truncated|damaged)"):
            SuppressionIndex.from_bytes(damage(data))


ALL_KINDS = st.tuples(DIGEST, st.sampled_from(range(7)), st.sampled_from([1, 2, 4]))


class TestKinds:
    """Entries of every kind: looked up by kind, kept apart, persisted and merged."""

    @given(st.lists(ALL_KINDS, max_size=40), st.lists(ALL_KINDS, max_size=10))
    def test_lookup_kind_agrees_with_model(
        self, rows: list[tuple[bytes, int, int]], more: list[tuple[bytes, int, int]]
    ) -> None:
        """Each kind answers for its own hashes only, also after an incremental merge."""
        index = SuppressionIndex.from_rows(rows).merged_rows(more)
        model = _model(rows + more)
        assert {k for _, k in model} == set(index.kinds)
        assert len(model) == len(index)
        digests = sorted({d for d, _, _ in rows + more})
        for kind in range(7):
            expected = [model.get((d, kind), 0) for d in digests]
            got = index.lookup_kind(kind, _arr(digests)) if digests else np.zeros(0, np.uint8)
            assert expected == got.tolist()
            assert sum(1 for _, k in model if k == kind) == index.kind_count(kind)
        restored = SuppressionIndex.from_bytes(index.to_bytes())
        assert index.to_bytes() == restored.to_bytes()
        assert index.kinds == restored.kinds

    def test_small_merge_keeps_kinds(self) -> None:
        """A few rows merged into a large index (insertion path) keep every kind's entries."""
        rng = np.random.default_rng(7)
        big = rng.integers(0, 256, size=(2000, 32), dtype=np.uint8)
        index = SuppressionIndex.build(big, [KIND_EMAIL] * 2000, [1] * 2000)
        index = index.merged(big[:1], [3], [2])
        index = index.merged(big[1:2], [KIND_EMAIL], [4])
        assert [2] == index.lookup_kind(3, big[:1]).tolist()
        assert [0] == index.lookup_kind(3, big[1:2]).tolist()
        assert frozenset({KIND_EMAIL, 3}) == index.kinds

    def test_old_snapshot_still_read(self) -> None:
        """An index without other kinds writes LSIDX002, which older versions read."""
        index = SuppressionIndex.from_rows([(b"\x01" * 32, KIND_EMAIL, 1), (b"\x02" * 32, 1, 2)])
        data = index.to_bytes()
        assert data.startswith(b"LSIDX002")
        assert data == SuppressionIndex.from_bytes(data).to_bytes()
        with_kind = index.merged_rows([(b"\x03" * 32, 2, 1)]).to_bytes()
        assert with_kind.startswith(b"LSIDX003")

    @pytest.mark.parametrize("cut", [1, 9, 20, 42])
    def test_damaged_kinds_section(self, cut: int) -> None:
        """A truncated or padded per-kind section is reported as damage, never half read."""
        data = SuppressionIndex.from_rows([(b"\x03" * 32, 2, 1), (b"\x04" * 32, 5, 4)]).to_bytes()
        with pytest.raises(ListCorruptedError, match="snapshot"):
            SuppressionIndex.from_bytes(data[:-cut])
        with pytest.raises(ListCorruptedError, match="snapshot"):
            SuppressionIndex.from_bytes(data + b"\0" * cut)

    def test_unknown_kind_refused(self) -> None:
        """A stored kind code this version does not know is an error, not a silent drop."""
        with pytest.raises(ListCorruptedError, match="unknown kind"):
            SuppressionIndex.from_rows([(b"\x01" * 32, 9, 1)])
