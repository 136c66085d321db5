"""``workers=N``: real worker processes give exactly the one-process result."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import locosuppress
from locosuppress import (
    InvalidOptionError,
    SuppressionKey,
    SuppressionList,
    WorkerError,
    _workers,
    shutdown_workers,
)
from locosuppress.testing import address_values, emails, mailing_frames, messy_variants

pytestmark = pytest.mark.skipif(os.name != "posix", reason="worker tests use POSIX signals")


@pytest.fixture(scope="module")
def small_pieces() -> Iterator[None]:
    """Split even tiny columns, so every example really crosses the pipes."""
    before = _workers.MIN_ROWS_PER_WORKER
    _workers.MIN_ROWS_PER_WORKER = 1
    yield
    _workers.MIN_ROWS_PER_WORKER = before


@pytest.fixture(scope="module", autouse=True)
def _stop_workers() -> Iterator[None]:
    yield
    shutdown_workers()


#: The published test key, for the Hypothesis tests (no function-scoped fixture).
KEY = SuppressionKey(bytes(range(32)))


def _same(a: pd.Series, b: pd.Series) -> None:
    pd.testing.assert_series_equal(a, b)


class TestHashEmails:
    """hash_emails(workers=N) == hash_emails() for every input."""

    @settings(max_examples=40, deadline=None)
    @given(values=st.lists(address_values(), max_size=30), workers=st.integers(2, 4))
    def test_property_equal_to_one_process(
        self, small_pieces: None, values: list[object], workers: int
    ) -> None:
        """Any mix of addresses, junk, NA and non-text values gives the same hashes."""
        series = pd.Series(values, dtype=object, name="email")
        _same(KEY.hash_emails(series), KEY.hash_emails(series, workers=workers))

    @settings(max_examples=20, deadline=None)
    @given(pair=emails().flatmap(lambda e: st.lists(messy_variants(e), min_size=2, max_size=8)))
    def test_variants_hash_alike_across_pieces(self, small_pieces: None, pair: list[str]) -> None:
        """Spellings of one person split across processes still get one hash."""
        hashes = KEY.hash_emails(pair, workers=len(pair))
        assert 1 == hashes.nunique()

    def test_large_column_in_real_pieces(
        self, test_key: SuppressionKey, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A column past the real size threshold is split, with index and name kept."""
        monkeypatch.setattr(_workers, "MIN_ROWS_PER_WORKER", 50_000)
        shutdown_workers()
        n = 3 * _workers.MIN_ROWS_PER_WORKER + 7
        rng = np.random.default_rng(3)
        values = [f"  Person.{i}+tag@Example{i % 97}.NL " for i in range(n)]
        series = pd.Series(values, index=rng.permutation(n), name="mail", dtype="str")
        series.iloc[[5, 77_777, n - 1]] = [None, "not an address", "x@y"]
        expected = test_key.hash_emails(series)
        got = test_key.hash_emails(series, workers=3)
        _same(expected, got)
        assert 3 == got.isna().sum()
        assert 2 == len(_workers._POOL.workers)
        fewer = test_key.hash_emails(series.iloc[:60_000], workers=3)
        _same(expected.iloc[:60_000], fewer)

    def test_categorical_and_arrow_columns(self, small_pieces: None, test_key) -> None:
        """Every text dtype gives the one-process result."""
        base = pd.Series(["A@B.NL", None, "x", " c@d.nl ", "A@B.NL"] * 3, dtype=object)
        expected = test_key.hash_emails(base)
        for dtype in ("str", "string", "string[pyarrow]", "category"):
            got = test_key.hash_emails(base.astype(dtype), workers=2)
            assert expected.tolist() == got.tolist(), dtype

    def test_threads_share_the_workers(self, small_pieces: None, test_key) -> None:
        """Calls from several threads at once are served one after the other."""
        series = pd.Series([f"p{i}@example.nl" for i in range(200)])
        expected = test_key.hash_emails(series)
        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(lambda _: test_key.hash_emails(series, workers=2), range(8)))
        for got in results:
            _same(expected, got)

    def test_numpy_integer_workers(self, small_pieces: None, test_key) -> None:
        """workers may be any integer type, as from os.cpu_count() or numpy."""
        got = test_key.hash_emails(["a@b.nl", "c@d.nl"], workers=np.int64(2))
        assert 2 == got.notna().sum()

    @pytest.mark.parametrize("bad", [0, -1, True, 1.5, "2", None])
    def test_bad_workers_option(self, test_key: SuppressionKey, bad: object) -> None:
        """Anything but a whole number of at least 1 is refused before any work."""
        with pytest.raises(InvalidOptionError, match="workers"):
            test_key.hash_emails(["a@b.nl"], workers=bad)  # type: ignore[arg-type]


class TestListOperations:
    """filter and add_many with workers give the one-process result."""

    @settings(max_examples=15, deadline=None)
    @given(
        frame=mailing_frames(
            values=st.one_of(
                st.sampled_from([f"p{i}@example.nl" for i in range(6)]), address_values()
            )
        )
    )
    def test_filter_equal_to_one_process(
        self, small_pieces: None, tmp_path_factory: pytest.TempPathFactory, frame
    ) -> None:
        """Kept rows, removed labels and every count are the same."""
        path = tmp_path_factory.mktemp("w") / "list.db"
        with SuppressionList.open(path, KEY) as lst:
            lst.add_many([f"P{i}@Example.NL" for i in range(3)], scope="newsletter")
            one = lst.filter(frame, channel="newsletter")
            many = lst.filter(frame, channel="newsletter", workers=3)
        pd.testing.assert_frame_equal(one.kept, many.kept)
        assert one.report.to_dict() == many.report.to_dict()
        assert list(one.suppressed_index) == list(many.suppressed_index)
        assert list(one.duplicate_index) == list(many.duplicate_index)
        assert list(one.invalid_index) == list(many.invalid_index)

    def test_add_many_equal_to_one_process(
        self, small_pieces: None, tmp_path: Path, test_key: SuppressionKey
    ) -> None:
        """The same entries are stored and the same positions reported invalid."""
        values = [f" Klant{i}@Voorbeeld.NL" for i in range(300)] + ["bad", None, "a@b.nl"]
        reports = []
        for name, workers in (("one.db", 1), ("many.db", 4)):
            with SuppressionList.open(tmp_path / name, test_key) as lst:
                reports.append(lst.add_many(values, workers=workers, now=_NOW))
        assert reports[0].to_dict() == reports[1].to_dict()
        with (
            SuppressionList.open(tmp_path / "one.db", test_key, read_only=True) as one,
            SuppressionList.open(tmp_path / "many.db", test_key, read_only=True) as many,
        ):
            assert len(one) == len(many) == 301
            assert all(v in many for v in values[:300])

    def test_bad_workers_option_writes_nothing(self, tmp_path: Path, test_key) -> None:
        """A bad option is refused before the list is touched."""
        with SuppressionList.open(tmp_path / "l.db", test_key) as lst:
            with pytest.raises(InvalidOptionError):
                lst.add_many(["a@b.nl"], workers=0)
            with pytest.raises(InvalidOptionError):
                lst.filter(pd.DataFrame({"email": ["a@b.nl"]}), workers=0)
            assert 0 == len(lst)
            assert "filter" not in set(lst.audit()["operation"])


_NOW = pd.Timestamp("2026-11-25T12:00:00Z").to_pydatetime()


class TestFailures:
    """A failing worker fails the call closed, and the next call recovers."""

    def test_worker_killed_mid_call(
        self, small_pieces: None, test_key: SuppressionKey, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A worker that dies before answering raises WorkerError; no result is returned."""
        series = pd.Series([f"p{i}@example.nl" for i in range(50)])
        expected = test_key.hash_emails(series)
        real_work = _workers._work

        def kill_then_work(values, material, **options):  # type: ignore[no-untyped-def]
            for worker in _workers._POOL.workers:
                worker.process.kill()
                worker.process.wait()
            return real_work(values, material, **options)

        monkeypatch.setattr(_workers, "_work", kill_then_work)
        with pytest.raises(WorkerError, match="stopped before answering"):
            test_key.hash_emails(series, workers=2)
        monkeypatch.setattr(_workers, "_work", real_work)
        _same(expected, test_key.hash_emails(series, workers=2))

    def test_filter_fails_closed(
        self, small_pieces: None, tmp_path: Path, test_key, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """filter raises and writes no audit row when a worker dies."""
        real_work = _workers._work

        def kill_then_work(values, material, **options):  # type: ignore[no-untyped-def]
            for worker in _workers._POOL.workers:
                worker.process.kill()
                worker.process.wait()
            return real_work(values, material, **options)

        frame = pd.DataFrame({"email": [f"p{i}@example.nl" for i in range(40)]})
        with SuppressionList.open(tmp_path / "l.db", test_key) as lst:
            lst.add("p1@example.nl")
            monkeypatch.setattr(_workers, "_work", kill_then_work)
            with pytest.raises(WorkerError):
                lst.filter(frame, workers=2)
            assert "filter" not in set(lst.audit()["operation"])

    def test_worker_cannot_start(
        self, small_pieces: None, test_key: SuppressionKey, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """No Python to start: WorkerError saying what to do, and no result."""
        shutdown_workers()
        monkeypatch.setattr(sys, "executable", "/nonexistent/python3")
        with pytest.raises(WorkerError, match="workers=1"):
            test_key.hash_emails(["a@b.nl", "c@d.nl"], workers=2)
        monkeypatch.undo()
        assert 2 == test_key.hash_emails(["a@b.nl", "c@d.nl"], workers=2).notna().sum()

    def test_error_in_worker_sends_only_its_type(self) -> None:
        """A request the worker cannot read is answered with the error's type name."""
        import pyarrow as pa

        worker = _workers._Worker()
        try:
            garbage = b"not an arrow stream, a@b.nl"
            header = _workers._REQUEST.pack(_workers._MAGIC, 7, 0, len(garbage), b"k" * 32)
            sender = worker.send(header, pa.py_buffer(garbage))
            with pytest.raises(WorkerError, match=r"failed \(Arrow\w*\)") as caught:
                worker.receive(sender, request=7, rows=1, limit=1 << 20, deadline=_soon())
            assert "a@b.nl" not in str(caught.value)
            assert worker.alive()
        finally:
            worker.close()
        assert worker.process.returncode == 0

    def test_answer_to_another_request_is_refused(self) -> None:
        """An answer with the wrong request id is never taken as this call's result."""
        import pyarrow as pa

        worker = _workers._Worker()
        try:
            batch = pa.record_batch([pa.array(["a@b.nl"])], ["value"])
            payload = _workers._ipc(batch)
            header = _workers._REQUEST.pack(_workers._MAGIC, 1, 0, payload.size, b"k" * 32)
            sender = worker.send(header, payload)
            with pytest.raises(WorkerError, match="stopped before answering"):
                worker.receive(sender, request=2, rows=1, limit=1 << 20, deadline=_soon())
        finally:
            worker.kill()

    def test_interrupted_call_leaves_no_stale_answer(
        self, small_pieces: None, test_key: SuppressionKey, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A Ctrl-C between sending and reading: the next call gets its own hashes."""
        first = pd.Series([f"a{i}@example.nl" for i in range(30)])
        second = pd.Series([f"b{i}@example.nl" for i in range(30)])
        real_work = _workers._work

        def interrupted(values, material, **options):  # type: ignore[no-untyped-def]
            raise KeyboardInterrupt

        monkeypatch.setattr(_workers, "_work", interrupted)
        with pytest.raises(KeyboardInterrupt):
            test_key.hash_emails(first, workers=3)
        monkeypatch.setattr(_workers, "_work", real_work)
        _same(test_key.hash_emails(second), test_key.hash_emails(second, workers=3))
        assert not any(w.busy for w in _workers._POOL.workers)

    def test_abandoned_send_never_writes_elsewhere(
        self,
        small_pieces: None,
        test_key: SuppressionKey,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """A call abandoned mid-send: the rest of the column goes nowhere, not to a new file.

        The worker is stopped so the sending thread blocks in the middle of
        the payload; the call is interrupted, the worker killed and its pipe
        closed, and new files take the freed descriptor numbers at once.
        """
        series = pd.Series([f"geheim.{i:06d}@example.nl" for i in range(40_000)])
        test_key.hash_emails(series.head(10), workers=2)
        worker = _workers._POOL.workers[0]
        os.kill(worker.process.pid, signal.SIGSTOP)

        def interrupted(values, material, **options):  # type: ignore[no-untyped-def]
            time.sleep(0.3)
            raise KeyboardInterrupt

        monkeypatch.setattr(_workers, "_work", interrupted)
        with pytest.raises(KeyboardInterrupt):
            test_key.hash_emails(series, workers=2)
        files = [tmp_path / f"app-{k}.log" for k in range(6)]
        fds = [os.open(f, os.O_WRONLY | os.O_CREAT, 0o600) for f in files]
        time.sleep(0.5)
        for fd in fds:
            os.close(fd)
        assert [0] * len(files) == [f.stat().st_size for f in files]
        assert worker not in _workers._POOL.workers

    def test_stuck_worker_times_out(
        self, small_pieces: None, test_key: SuppressionKey, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A worker that never answers (stopped) fails the call after the time limit."""
        series = pd.Series([f"p{i}@example.nl" for i in range(20)])
        test_key.hash_emails(series, workers=2)
        worker = _workers._POOL.workers[0]  # the one a workers=2 call uses
        os.kill(worker.process.pid, signal.SIGSTOP)
        monkeypatch.setattr(_workers, "_TIMEOUT_BASE", 1.0)
        try:
            with pytest.raises(WorkerError, match="did not answer in time"):
                test_key.hash_emails(series, workers=2)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.kill(worker.process.pid, signal.SIGCONT)
        assert worker not in _workers._POOL.workers
        _same(test_key.hash_emails(series), test_key.hash_emails(series, workers=2))

    def test_workers_get_no_key_and_no_ctrl_c(
        self, small_pieces: None, test_key: SuppressionKey, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """No LOCOSUPPRESS_* variable (the key) in a worker's environment; own session."""
        shutdown_workers()
        monkeypatch.setenv("LOCOSUPPRESS_KEY", test_key.to_text())
        monkeypatch.setenv("SOMETHING_ELSE", "kept")
        test_key.hash_emails(["a@b.nl", "c@d.nl"], workers=2)
        (worker,) = _workers._POOL.workers
        environ = Path(f"/proc/{worker.process.pid}/environ").read_bytes()
        assert b"LOCOSUPPRESS" not in environ
        assert b"locosuppress-key-v1" not in environ
        assert b"SOMETHING_ELSE=kept" in environ
        assert os.getsid(worker.process.pid) != os.getsid(0)
        limits = Path(f"/proc/{worker.process.pid}/limits").read_text(encoding="ascii")
        core = next(line for line in limits.splitlines() if line.startswith("Max core file size"))
        assert ["0", "0"] == core.split()[4:6]
        os.kill(worker.process.pid, signal.SIGINT)  # ignored: the worker serves on
        time.sleep(0.2)
        assert worker.alive()
        assert 2 == test_key.hash_emails(["a@b.nl", "c@d.nl"], workers=2).notna().sum()
        shutdown_workers()

    def test_frozen_program_gets_a_clear_error(
        self, small_pieces: None, test_key: SuppressionKey, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A frozen executable has no interpreter to start: WorkerError naming workers=1."""
        shutdown_workers()
        monkeypatch.setattr(sys, "frozen", True, raising=False)
        with pytest.raises(WorkerError, match=r"frozen or embedded.*workers=1"):
            test_key.hash_emails(["a@b.nl", "c@d.nl"], workers=2)

    def test_start_workers_ahead(self, small_pieces: None, test_key) -> None:
        """start_workers starts them early; the next call uses those very processes."""
        shutdown_workers()
        locosuppress.start_workers(1)
        assert [] == _workers._POOL.workers
        locosuppress.start_workers(3)
        started = [w.process.pid for w in _workers._POOL.workers]
        assert 2 == len(started)
        test_key.hash_emails(["a@b.nl", "c@d.nl", "e@f.nl"], workers=3)
        assert started == [w.process.pid for w in _workers._POOL.workers]
        with pytest.raises(InvalidOptionError):
            locosuppress.start_workers(0)

    def test_shutdown_stops_the_processes(self, small_pieces: None, test_key) -> None:
        """shutdown_workers ends every worker; the next call starts new ones."""
        test_key.hash_emails(["a@b.nl", "c@d.nl"], workers=2)
        processes = [w.process for w in _workers._POOL.workers]
        assert processes
        shutdown_workers()
        assert all(p.poll() is not None for p in processes)
        assert [] == _workers._POOL.workers
        test_key.hash_emails(["a@b.nl", "c@d.nl"], workers=2)
        assert 1 == len(_workers._POOL.workers)


_SCRIPT = textwrap.dedent(
    """
    import os, sys
    import locosuppress
    from locosuppress import _workers
    _workers.MIN_ROWS_PER_WORKER = 1
    key = locosuppress.SuppressionKey(bytes(range(32)))
    hashes = key.hash_emails(["a@b.nl", "C@D.NL", "x"] * 5, workers=3)
    print(hashes.notna().sum(), flush=True)
    print(" ".join(str(w.process.pid) for w in _workers._POOL.workers), flush=True)
    if len(sys.argv) > 1:
        os.kill(os.getpid(), 9)
    """
)


class TestProcesses:
    """What the workers do to the processes around them."""

    def test_script_without_main_guard(self, tmp_path: Path) -> None:
        """A plain script (no ``if __name__ == '__main__'``) works and is not re-run."""
        script = tmp_path / "campaign.py"
        script.write_text(_SCRIPT, encoding="utf-8")
        done = subprocess.run(
            [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=True
        )
        lines = done.stdout.splitlines()
        assert "10" == lines[0]
        assert 2 == len(lines)

    def test_workers_exit_with_their_parent(self, tmp_path: Path) -> None:
        """A parent killed with SIGKILL leaves no worker behind."""
        script = tmp_path / "killed.py"
        script.write_text(_SCRIPT, encoding="utf-8")
        done = subprocess.run(
            [sys.executable, str(script), "die"], capture_output=True, text=True, timeout=120
        )
        assert -signal.SIGKILL == done.returncode
        pids = [int(p) for p in done.stdout.splitlines()[1].split()]
        assert 2 == len(pids)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(_running(pid) for pid in pids):
            time.sleep(0.1)
        assert not any(_running(pid) for pid in pids)

    def test_fork_while_another_thread_holds_the_workers(
        self, small_pieces: None, test_key: SuppressionKey
    ) -> None:
        """A fork taken while the pool is locked: the child works and exits, no hang."""
        series = pd.Series(["a@b.nl", "C@D.NL", "x", "e@f.nl"])
        expected = test_key.hash_emails(series)
        test_key.hash_emails(series, workers=2)
        with _workers._POOL.lock:
            pid = os.fork()
            if pid == 0:  # pragma: no cover - the child reports through its exit code
                code = 1
                try:
                    signal.alarm(60)
                    got = test_key.hash_emails(series, workers=2)
                    code = 0 if got.equals(expected) else 2
                    shutdown_workers()
                finally:
                    os._exit(code)
            _, status = os.waitpid(pid, 0)
        assert 0 == os.waitstatus_to_exitcode(status)
        _same(expected, test_key.hash_emails(series, workers=2))

    def test_fork_does_not_share_pipes(self, small_pieces: None, test_key) -> None:
        """A forked child starts its own workers; the parent's keep working."""
        series = pd.Series(["a@b.nl", "C@D.NL", "x", "e@f.nl"])
        expected = test_key.hash_emails(series)
        _same(expected, test_key.hash_emails(series, workers=2))
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child reports through its exit code
            code = 1
            try:
                got = test_key.hash_emails(series, workers=2)
                code = 0 if got.equals(expected) else 2
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert 0 == os.waitstatus_to_exitcode(status)
        _same(expected, test_key.hash_emails(series, workers=2))

    def test_no_files_written(
        self, small_pieces: None, tmp_path: Path, test_key, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Workers talk through pipes: no temp file, no shared-memory segment."""
        shutdown_workers()
        temp = tmp_path / "tmp"
        temp.mkdir()
        monkeypatch.setenv("TMPDIR", str(temp))
        monkeypatch.chdir(tmp_path)
        shm = set(os.listdir("/dev/shm")) if os.path.isdir("/dev/shm") else set()
        test_key.hash_emails([f"geheim{i}@example.nl" for i in range(100)], workers=3)
        shutdown_workers()
        assert [] == list(temp.iterdir())
        assert ["tmp"] == sorted(p.name for p in tmp_path.iterdir())
        if os.path.isdir("/dev/shm"):
            assert set(os.listdir("/dev/shm")) <= shm


def _soon() -> float:
    return time.monotonic() + 60


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by init) counts as gone.
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_public_names() -> None:
    """The workers' public names are exported at the top level."""
    assert locosuppress.shutdown_workers is shutdown_workers
    assert issubclass(WorkerError, locosuppress.LocosuppressError)
