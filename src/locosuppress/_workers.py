"""Worker processes that normalise and hash a large column on several cores.

``hash_emails(..., workers=N)`` and ``filter(..., workers=N)`` split a column
into ``N`` contiguous pieces: the calling process does the first, and ``N-1``
worker processes do the rest at the same time. The HMAC of the hash contract
runs in ``cryptography`` while holding the GIL, so threads cannot share the
work; processes can.

The workers are plain child processes (``python -P -c ...``), not
``multiprocessing``: nothing re-imports the caller's ``__main__``, so scripts
need no ``if __name__ == "__main__"`` guard, and they work inside daemonic
processes such as Dask workers. They talk over their own stdin and stdout
pipes, never through files, so no address touches the disk. A request carries
the two hashing subkeys and one Arrow IPC stream of text; the answer carries
the canonical forms and the 32-byte hashes, or only the *name* of an error
(never a message that could hold a value). A worker exits when its stdin
closes, so none outlives the process that started it.

Workers start on first use (about a second, once) and are kept for later calls
in the same process; :func:`shutdown_workers` stops them early.
"""

from __future__ import annotations

import atexit
import os
import struct
import subprocess
import sys
import threading
from itertools import pairwise
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final

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
]

#: Below this many rows per piece, shipping data costs more than it saves.
MIN_ROWS_PER_WORKER: Final = 50_000
_MAGIC: Final = b"LSW1"
_REQUEST: Final = struct.Struct(">4sBQ32s32s")  # magic, flags, length, subkeys
_WANT_CANONICAL: Final = 1
_ANSWER: Final = struct.Struct(">4sBQ")
_OK: Final = 0
_FAILED: Final = 1
_HASH_SIZE: Final = 32
_PACKAGE_ROOT: Final = str(Path(__file__).resolve().parent.parent)
_CHILD_CODE: Final = (
    f"import sys; sys.path.insert(0, {_PACKAGE_ROOT!r}); "
    "from locosuppress._workers import serve; serve()"
)


def check_workers(workers: object, /) -> int:
    """Validate a ``workers=`` option: a whole number of processes, at least 1."""
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InvalidOptionError(
            f"workers must be a whole number of processes, at least 1, not {workers!r}; "
            "use workers=1 to stay in this process, or workers=os.cpu_count() for all cores"
        )
    return workers


# --- the calling side ------------------------------------------------------


class _Worker:
    """One child process and its two pipes."""

    def __init__(self) -> None:
        env = dict(os.environ)
        # Arrow and BLAS pools inside a worker would fight the other workers.
        env.setdefault("OMP_NUM_THREADS", "1")
        try:
            self.process = subprocess.Popen(  # our own interpreter and code
                [sys.executable, "-P", "-c", _CHILD_CODE],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=env,
                close_fds=True,
            )
        except (OSError, ValueError) as exc:
            raise WorkerError(
                f"could not start a worker process ({type(exc).__name__}: {exc.strerror or ''})"
                f" with {sys.executable or 'no Python executable'}; run with workers=1"
                if isinstance(exc, OSError)
                else f"could not start a worker process ({type(exc).__name__}); run with workers=1"
            ) from None
        self.error: BaseException | None = None

    def send(self, header: bytes, payload: pa.Buffer) -> threading.Thread:
        """Write a request on a thread, so a slow-starting worker blocks nobody."""

        def write() -> None:
            pipe = self.process.stdin
            assert pipe is not None
            try:
                pipe.write(header)
                pipe.write(memoryview(payload))
                pipe.flush()
            except BaseException as exc:  # reported by receive()
                self.error = exc

        thread = threading.Thread(target=write, name="locosuppress-worker-send", daemon=True)
        thread.start()
        return thread

    def receive(self) -> pa.RecordBatch:
        pipe = self.process.stdout
        assert pipe is not None
        try:
            head = _read_exact(pipe, _ANSWER.size)
            if self.error is not None or len(head) < _ANSWER.size:
                raise _died(self)
            magic, status, length = _ANSWER.unpack(head)
            body = _read_exact(pipe, length)
        except OSError:
            raise _died(self) from None
        if magic != _MAGIC or len(body) < length:
            raise _died(self)
        if status != _OK:
            name = body.decode("ascii", "replace")
            raise WorkerError(
                f"a hashing worker process failed ({name}); nothing was returned. "
                "Run again with workers=1 to see the error in this process."
            )
        return pa.ipc.open_stream(body).read_next_batch()

    def alive(self) -> bool:
        return self.process.poll() is None

    def close(self) -> None:
        try:
            if self.process.stdin is not None:
                self.process.stdin.close()
            self.process.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()
        finally:
            if self.process.stdout is not None:
                self.process.stdout.close()


def _died(worker: _Worker) -> WorkerError:
    code = worker.process.poll()
    return WorkerError(
        "a hashing worker process stopped before answering"
        + (f" (exit code {code})" if code is not None else "")
        + "; nothing was returned. Check free memory, or run again with workers=1."
    )


def _read_exact(pipe: IO[bytes], size: int) -> bytes:
    chunks = []
    while size:
        chunk = pipe.read(size)
        if not chunk:
            break
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


class _Pool:
    """The workers of this process, started on demand and kept."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.workers: list[_Worker] = []
        self.pid = os.getpid()

    def take(self, count: int) -> list[_Worker]:
        if self.pid != os.getpid():
            # A fork inherited our pipes: they belong to the parent. Forget them.
            self.workers = []
            self.pid = os.getpid()
        self.workers = [w for w in self.workers if w.alive()]
        while len(self.workers) < count:
            self.workers.append(_Worker())
        return self.workers[:count]

    def discard(self, workers: list[_Worker]) -> None:
        for worker in workers:
            worker.process.kill()
            worker.close()
        self.workers = [w for w in self.workers if w not in workers]

    def shutdown(self) -> None:
        with self.lock:
            if self.pid == os.getpid():
                for worker in self.workers:
                    worker.close()
            self.workers = []


_POOL: Final = _Pool()
atexit.register(_POOL.shutdown)


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
    email_key, domain_key = material._subkeys()  # the one place they travel
    with _POOL.lock:
        helpers = _POOL.take(len(pieces) - 1)
        try:
            senders = []
            for worker, (start, stop) in zip(helpers, pieces[1:], strict=True):
                payload = _ipc(pa.record_batch([values.slice(start, stop - start)], ["value"]))
                header = _REQUEST.pack(_MAGIC, flags, payload.size, email_key, domain_key)
                senders.append(worker.send(header, payload))
            start, stop = pieces[0]
            results = [_work(values.slice(start, stop - start), material, canonical=canonical)]
            for worker, sender in zip(helpers, senders, strict=True):
                sender.join()
                batch = worker.receive()
                hashes = batch.column("hash")
                results.append((batch.column("canonical") if canonical else None, hashes))
        except BaseException:
            _POOL.discard(helpers)
            raise
    forms = pa.concat_arrays([f for f, _ in results if f is not None]) if canonical else None
    return forms, pa.concat_arrays([h for _, h in results])


def canonical_and_hashes(
    values: pd.Series, material: HashingMaterial, /, *, workers: int
) -> tuple[pa.Array, np.ndarray[Any, np.dtype[np.uint8]]]:
    """Canonical forms and ``(n, 32)`` hashes (zero rows where invalid) of a Series.

    A categorical column is normalised once per category, in this process.
    """
    if workers == 1 or isinstance(values.dtype, pd.CategoricalDtype):
        forms = canonical_arrow(values)
        return forms, material.hash_canonical_array(forms)
    forms, hashes = normalise_and_hash(
        _to_arrow(values)[0], material, workers=workers, canonical=True
    )
    assert forms is not None
    return forms, _digests(hashes)


def hashes_of(
    values: pd.Series, material: HashingMaterial, /, *, workers: int
) -> pa.FixedSizeBinaryArray:
    """The 32-byte hashes of a Series as an Arrow array, null where invalid."""
    if workers == 1 or isinstance(values.dtype, pd.CategoricalDtype):
        forms = canonical_arrow(values)
        return _as_hashes(forms, material.hash_canonical_array(forms))
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
    from locosuppress.keys import HashingMaterial

    requests = sys.stdin.buffer
    answers = sys.stdout.buffer
    # Nothing but answers may reach the pipe.
    sys.stdout = sys.stderr
    while True:
        head = _read_exact(requests, _REQUEST.size)
        if len(head) < _REQUEST.size:
            return
        magic, flags, length, email_key, domain_key = _REQUEST.unpack(head)
        if magic != _MAGIC:
            return
        body = _read_exact(requests, length)
        if len(body) < length:
            return
        try:
            values = pa.ipc.open_stream(body).read_next_batch().column(0)
            material = HashingMaterial(email_key, domain_key, "worker")
            forms, hashes = _work(values, material, canonical=bool(flags & _WANT_CANONICAL))
            columns = [hashes] if forms is None else [hashes, forms]
            names = ["hash"] if forms is None else ["hash", "canonical"]
            out = _ipc(pa.record_batch(columns, names))
            answers.write(_ANSWER.pack(_MAGIC, _OK, out.size))
            answers.write(memoryview(out))
        except Exception as exc:  # only its type name crosses the pipe
            name = type(exc).__name__.encode("ascii", "replace")
            answers.write(_ANSWER.pack(_MAGIC, _FAILED, len(name)))
            answers.write(name)
        answers.flush()
        del body
