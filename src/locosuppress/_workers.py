"""Worker processes that normalise and hash a large column on several cores.

``hash_emails(..., workers=N)`` and ``filter(..., workers=N)`` split a column
into ``N`` contiguous pieces: the calling process does the first, and ``N-1``
worker processes do the rest at the same time. The HMAC of the hash contract
runs in ``cryptography`` while holding the GIL, so threads cannot share the
work; processes can.

The workers are plain child processes (``python -P -c ...``), not
``multiprocessing``: nothing re-imports the caller's ``__main__``, so scripts
need no ``if __name__ == "__main__"`` guard, and they work inside daemonic
processes such as Dask workers. They talk over their own unbuffered stdin and
stdout pipes, never through files, so no address touches the disk. A request
carries an id, the e-mail hashing subkey (never the key, never the domain
subkey) and one Arrow IPC stream of text; the answer carries the same id and
the canonical forms and 32-byte hashes, or only the *name* of an error (never
a message that could hold a value). The caller checks the id, the size and
the row count of every answer, and gives up after a generous time limit.

Workers run in their own session (a Ctrl-C reaches the caller, not them),
ignore SIGINT, cannot dump core, and get an environment without any
``LOCOSUPPRESS_*`` variable. A worker exits when its stdin closes, so none
outlives the process that started it; a forked child closes its copies of
the pipes at once. A worker left busy by an interrupted call is never reused.

Workers start on first use (about a second, once) and are kept for later calls
in the same process; :func:`shutdown_workers` stops them early.
"""

from __future__ import annotations

import atexit
import contextlib
import operator
import os
import selectors
import struct
import subprocess
import sys
import threading
import time
from itertools import count, pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa

from locosuppress.errors import InvalidOptionError, WorkerError
from locosuppress.normalize import _normalize_arrow, _to_arrow, canonical_arrow

if TYPE_CHECKING:  # pragma: no cover
    from locosuppress.keys import HashingMaterial

__all__ = [
    "canonical_and_hashes",
    "check_workers",
    "hashes_of",
    "normalise_and_hash",
    "shutdown_workers",
    "start_workers",
]

#: Below this many rows per piece, shipping data costs more than it saves.
MIN_ROWS_PER_WORKER: Final = 50_000
_MAGIC: Final = b"LSW2"
#: magic, request id, flags, payload length, e-mail subkey
_REQUEST: Final = struct.Struct(">4sQBQ32s")
_WANT_CANONICAL: Final = 1
#: magic, request id, status, answer length
_ANSWER: Final = struct.Struct(">4sQBQ")
_OK: Final = 0
_FAILED: Final = 1
_HASH_SIZE: Final = 32
#: Seconds a worker may take: generous, so only a stuck worker trips it.
_TIMEOUT_BASE: Final = 120.0
_TIMEOUT_PER_ROW: Final = 20e-6
_PACKAGE_ROOT: Final = str(Path(__file__).resolve().parent.parent)
_CHILD_CODE: Final = (
    "import sys; "
    f"sys.path.insert(0, {_PACKAGE_ROOT!r}) if {_PACKAGE_ROOT!r} not in sys.path else None; "
    "from locosuppress._workers import serve; serve()"
)


def check_workers(workers: object, /) -> int:
    """Validate a ``workers=`` option: a whole number of processes, at least 1."""
    try:
        count = operator.index(workers)  # type: ignore[arg-type]
    except TypeError:
        count = 0
    if isinstance(workers, bool) or count < 1:
        raise InvalidOptionError(
            f"workers must be a whole number of processes, at least 1, not {workers!r}; "
            "use workers=1 to stay in this process, or workers=os.cpu_count() for all cores"
        )
    return count


# --- the calling side ------------------------------------------------------


def _worker_env() -> dict[str, str]:
    """The environment for a worker: ours, without anything that holds the key."""
    return {
        name: value
        for name, value in os.environ.items()
        if not name.upper().startswith("LOCOSUPPRESS") and "locosuppress-key-v" not in value
    }


class _Worker:
    """One child process and its two unbuffered pipes."""

    def __init__(self) -> None:
        if getattr(sys, "frozen", False) or not sys.executable:
            raise WorkerError(
                "workers above 1 need a Python interpreter to start, and this program has "
                "none (a frozen or embedded application); run with workers=1"
            )
        try:
            self.process = subprocess.Popen(  # our own interpreter and code
                [sys.executable, "-P", "-c", _CHILD_CODE],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=_worker_env(),
                close_fds=True,
                bufsize=0,
                # Own session: a Ctrl-C in the terminal or notebook reaches
                # the caller, not the workers.
                start_new_session=os.name == "posix",
            )
        except (OSError, ValueError) as exc:
            raise WorkerError(
                f"could not start a worker process ({type(exc).__name__}) with "
                f"{sys.executable}; run with workers=1"
            ) from None
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.to_child = self.process.stdin.fileno()
        self.from_child = self.process.stdout.fileno()
        self.busy = False
        self.sending: int | None = None
        self.error: BaseException | None = None

    def send(self, header: bytes, payload: pa.Buffer) -> threading.Thread:
        """Write a request on a thread, so a slow-starting worker blocks nobody.

        The thread writes to its own duplicate of the pipe and closes it
        itself: if the call is abandoned and the pipe closed meanwhile, the
        thread's writes still go to this worker's pipe (and fail once it is
        gone), never to a file that reused the number.
        """
        self.busy = True
        self.error = None
        fd = os.dup(self.to_child)
        self.sending = fd

        def write() -> None:
            try:
                _write_all(fd, header)
                _write_all(fd, memoryview(payload))
            except BaseException as exc:  # reported by receive()
                self.error = exc
            finally:
                self.sending = None
                with contextlib.suppress(OSError):
                    os.close(fd)

        thread = threading.Thread(target=write, name="locosuppress-worker-send", daemon=True)
        thread.start()
        return thread

    def receive(
        self, sender: threading.Thread, *, request: int, rows: int, limit: int, deadline: float
    ) -> pa.RecordBatch:
        """Read and check the answer to ``request``: its id, size and row count."""
        sender.join(max(0.0, deadline - time.monotonic()))
        if sender.is_alive():
            raise _stuck(self)
        if self.error is not None:
            raise _died(self)
        try:
            head = _read_exact(self.from_child, _ANSWER.size, deadline)
            magic, answered, status, length = _ANSWER.unpack(head)
            if magic != _MAGIC or answered != request or length > limit:
                raise _died(self)
            body = _read_exact(self.from_child, length, deadline)
        except TimeoutError:
            raise _stuck(self) from None
        except (OSError, EOFError, ValueError, struct.error):
            raise _died(self) from None
        if status != _OK:
            self.busy = False
            name = body.decode("ascii", "replace")
            raise WorkerError(
                f"a hashing worker process failed ({name}); nothing was returned. "
                "Run again with workers=1 to see the error in this process."
            )
        try:
            batch = pa.ipc.open_stream(body).read_next_batch()
        except Exception:  # any unreadable answer is a broken worker
            raise _died(self) from None
        if batch.num_rows != rows or batch.schema.names not in (["hash"], ["hash", "canonical"]):
            raise _died(self)
        self.busy = False
        return batch

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """Stop the process now and release its pipes; never raises."""
        with contextlib.suppress(OSError):
            self.process.kill()
        self.close(wait=1.0)

    def close(self, *, wait: float = 5.0) -> None:
        """Close the pipes (the worker then exits) and reap it; never raises."""
        for pipe in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError):
                if pipe is not None:
                    pipe.close()
        try:
            self.process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(OSError):
                self.process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=wait)

    def forget(self) -> None:
        """In a forked child: close our copies of the pipes, without waiting.

        The pipes are unbuffered, so nothing is flushed into the parent's
        request stream; closing them here lets the worker see its parent
        end even while the forked child lives on.
        """
        for pipe in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError):
                if pipe is not None:
                    pipe.close()
        sending = self.sending  # a send that was in flight in the parent
        if sending is not None:
            with contextlib.suppress(OSError):
                os.close(sending)


def _died(worker: _Worker) -> WorkerError:
    code = worker.process.poll()
    return WorkerError(
        "a hashing worker process stopped before answering"
        + (f" (exit code {code})" if code is not None else "")
        + "; nothing was returned. Check free memory, or run again with workers=1."
    )


def _stuck(worker: _Worker) -> WorkerError:
    return WorkerError(
        f"a hashing worker process (pid {worker.process.pid}) did not answer in time; "
        "nothing was returned. Run again, or with workers=1."
    )


def _write_all(fd: int, data: bytes | memoryview) -> None:
    view = memoryview(data).cast("B")
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _read_exact(fd: int, size: int, deadline: float | None = None) -> bytes:
    """Read exactly ``size`` bytes (EOFError when the pipe closes first)."""
    chunks = []
    with contextlib.ExitStack() as stack:
        waiter = None
        if deadline is not None and os.name == "posix":
            waiter = stack.enter_context(selectors.DefaultSelector())  # any fd number
            waiter.register(fd, selectors.EVENT_READ)
        while size:
            if waiter is not None and deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0 or not waiter.select(left):
                    raise TimeoutError
            chunk = os.read(fd, min(size, 1 << 20))
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            size -= len(chunk)
    return b"".join(chunks)


class _Pool:
    """The workers of this process, started on demand and kept."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.workers: list[_Worker] = []
        self.requests = count(1)

    def take(self, count: int) -> list[_Worker]:
        # A worker still busy was left by an interrupted call: its pipe may
        # hold an old answer, so it is never reused.
        stale = [w for w in self.workers if w.busy or not w.alive()]
        self.discard(stale)
        while len(self.workers) < count:
            self.workers.append(_Worker())
        return self.workers[:count]

    def discard(self, workers: list[_Worker]) -> None:
        """Take ``workers`` out of the pool first, then stop them."""
        self.workers = [w for w in self.workers if w not in workers]
        for worker in workers:
            worker.kill()

    def shutdown(self) -> None:
        with self.lock:
            workers, self.workers = self.workers, []
            for worker in workers:
                worker.close()

    def after_fork_in_child(self) -> None:
        """The child of a fork owns none of these workers, nor the lock."""
        self.lock = threading.Lock()
        for worker in self.workers:
            worker.forget()
        self.workers = []


_POOL: Final = _Pool()
atexit.register(_POOL.shutdown)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_POOL.after_fork_in_child)


def start_workers(workers: int, /) -> None:
    """Start the worker processes for ``workers=`` now, while other work goes on.

    Each worker needs about a second to start; they do so in the background,
    so calling this before reading a large file hides that second. Calls with
    ``workers=`` start them anyway when needed.
    """
    count = check_workers(workers)
    if count > 1:
        with _POOL.lock:
            _POOL.take(count - 1)


def shutdown_workers() -> None:
    """Stop the worker processes this process started (they restart on demand)."""
    _POOL.shutdown()


#: The calling process gets this much more than a worker: it has no pipe to
#: read or write, and the workers' answers wait for it anyway.
_CALLER_WEIGHT: Final = 1.15


def _pieces(n: int, workers: int) -> list[tuple[int, int]]:
    count = max(1, min(workers, n // MIN_ROWS_PER_WORKER))
    weights = np.array([_CALLER_WEIGHT] + [1.0] * (count - 1))
    bounds = np.concatenate([[0], np.round(np.cumsum(weights) / weights.sum() * n)])
    return [(int(a), int(b)) for a, b in pairwise(bounds.astype(np.int64))]


def normalise_and_hash(
    values: pa.Array, material: HashingMaterial, /, *, workers: int, canonical: bool
) -> tuple[pa.Array | None, pa.FixedSizeBinaryArray]:
    """Canonical forms (when asked for) and 32-byte hashes, null where invalid.

    ``values`` is an Arrow string array whose nulls are the non-text cells.
    With ``workers > 1`` and enough rows the work is shared with worker
    processes; the result is the same either way.
    """
    pieces = _pieces(len(values), workers)
    if len(pieces) == 1:
        return _work(values, material, canonical=canonical)
    flags = _WANT_CANONICAL if canonical else 0
    email_key = material._worker_subkey()  # the one place it travels; never the key
    with _POOL.lock:
        helpers = _POOL.take(len(pieces) - 1)
        try:
            sent = []
            for worker, (start, stop) in zip(helpers, pieces[1:], strict=True):
                piece = values.slice(start, stop - start)
                payload = _ipc(pa.record_batch([piece], ["value"]))
                request = next(_POOL.requests)
                header = _REQUEST.pack(_MAGIC, request, flags, payload.size, email_key)
                sent.append((worker, worker.send(header, payload), request, len(piece), payload))
            start, stop = pieces[0]
            results = [_work(values.slice(start, stop - start), material, canonical=canonical)]
            for worker, sender, request, rows, payload in sent:
                batch = worker.receive(
                    sender,
                    request=request,
                    rows=rows,
                    limit=64 * payload.size + (1 << 20),
                    deadline=time.monotonic() + _TIMEOUT_BASE + rows * _TIMEOUT_PER_ROW,
                )
                hashes = batch.column("hash")
                results.append((batch.column("canonical") if canonical else None, hashes))
        except BaseException:
            _POOL.discard([w for w in helpers if w.busy or not w.alive()])
            raise
    forms = pa.concat_arrays([f for f, _ in results if f is not None]) if canonical else None
    return forms, pa.concat_arrays([h for _, h in results])


def canonical_and_hashes(
    values: pd.Series, material: HashingMaterial, /, *, workers: int
) -> tuple[pa.Array, np.ndarray[Any, np.dtype[np.uint8]]]:
    """Canonical forms and ``(n, 32)`` hashes (zero rows where invalid) of a Series.

    A categorical column is normalised once per category, in this process.
    """
    if _in_this_process(values, workers):
        forms = canonical_arrow(values)
        return forms, material.hash_canonical_array(forms)
    forms, hashes = normalise_and_hash(
        _to_arrow(values)[0], material, workers=workers, canonical=True
    )
    assert forms is not None
    return forms, _digests(hashes)


def _in_this_process(values: pd.Series, workers: int) -> bool:
    """One process only, or a categorical column (normalised once per category here)."""
    return workers == 1 or isinstance(values.dtype, pd.CategoricalDtype)


def hashes_of(
    values: pd.Series, material: HashingMaterial, /, *, workers: int
) -> pa.FixedSizeBinaryArray:
    """The 32-byte hashes of a Series as an Arrow array, null where invalid."""
    if _in_this_process(values, workers):
        return _as_hashes(*canonical_and_hashes(values, material, workers=1))
    return normalise_and_hash(_to_arrow(values)[0], material, workers=workers, canonical=False)[1]


def _as_hashes(
    forms: pa.Array, digests: np.ndarray[Any, np.dtype[np.uint8]]
) -> pa.FixedSizeBinaryArray:
    return pa.FixedSizeBinaryArray.from_buffers(
        pa.binary(_HASH_SIZE), len(forms), [_validity_buffer(forms), pa.py_buffer(digests)]
    )


def _validity_buffer(array: pa.Array) -> pa.Buffer | None:
    """A validity bitmap for ``array`` that starts at bit 0 (None when all valid)."""
    if not array.null_count:
        return None
    if array.offset == 0 and array.buffers()[0] is not None:
        return array.buffers()[0]
    return pa.concat_arrays([array]).buffers()[0]


def _digests(hashes: pa.FixedSizeBinaryArray) -> np.ndarray[Any, np.dtype[np.uint8]]:
    """``(n, 32)`` uint8 hashes, zero rows where null."""
    data = hashes.buffers()[1]
    start = hashes.offset * _HASH_SIZE
    out = np.frombuffer(data, dtype=np.uint8, count=len(hashes) * _HASH_SIZE, offset=start)
    out = out.reshape(-1, _HASH_SIZE).copy()
    if hashes.null_count:
        out[~np.asarray(hashes.is_valid().to_numpy(zero_copy_only=False), dtype=bool)] = 0
    return out


def _ipc(batch: pa.RecordBatch) -> pa.Buffer:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, batch.schema) as writer:
        writer.write_batch(batch)
    return sink.getvalue()


def _work(
    values: pa.Array, material: HashingMaterial, *, canonical: bool
) -> tuple[pa.Array | None, pa.FixedSizeBinaryArray]:
    is_str = np.asarray(values.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    forms = _normalize_arrow(values, is_str)
    hashes = _as_hashes(forms, material.hash_canonical_array(forms))
    return (forms if canonical else None), hashes


# --- the worker side -------------------------------------------------------


def serve() -> None:
    """Answer requests on stdin until it closes (the body of a worker process)."""
    import secrets
    import signal

    from locosuppress.keys import HashingMaterial

    with contextlib.suppress(ImportError, ValueError, OSError):
        import resource

        # A core dump would put addresses and the subkey on disk.
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    with contextlib.suppress(ValueError, OSError, AttributeError):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    requests = sys.stdin.fileno()
    answers = sys.stdout.fileno()
    # Nothing but answers may reach the pipe.
    sys.stdout = sys.stderr
    # Workers hash e-mail addresses only; the domain subkey never travels, so
    # a random one stands in (a domain hash made here could match nothing).
    domain_stand_in = secrets.token_bytes(32)
    while True:
        try:
            head = _read_exact(requests, _REQUEST.size)
            magic, request, flags, length, email_key = _REQUEST.unpack(head)
            if magic != _MAGIC:
                return
            body = _read_exact(requests, length)
        except (EOFError, OSError):
            return
        try:
            values = pa.ipc.open_stream(body).read_next_batch().column(0)
            material = HashingMaterial(email_key, domain_stand_in, "worker")
            forms, hashes = _work(values, material, canonical=bool(flags & _WANT_CANONICAL))
            columns = [hashes] if forms is None else [hashes, forms]
            names = ["hash"] if forms is None else ["hash", "canonical"]
            out: bytes | pa.Buffer = _ipc(pa.record_batch(columns, names))
            status = _OK
        except Exception as exc:  # only its type name crosses the pipe
            out = type(exc).__name__.encode("ascii", "replace")
            status = _FAILED
        del body
        _write_all(answers, _ANSWER.pack(_MAGIC, request, status, len(memoryview(out))))
        _write_all(answers, memoryview(out))
