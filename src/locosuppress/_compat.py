"""Options kept for one release after their feature went: they warn and do nothing.

Layer 0: imports only :mod:`locosuppress.errors`.
"""

from __future__ import annotations

import operator
import warnings

from locosuppress.errors import InvalidOptionError

__all__ = ["INSTEAD", "WORKERS_GONE", "accept_workers"]

#: Where several cores live now, instead of the worker processes ``workers=`` started.
INSTEAD = (
    "everything runs in this process. To use several cores or machines, use "
    "locosuppress.dask on a distributed LocalCluster (docs/dask.md)"
)
#: The warning for ``workers=``.
WORKERS_GONE = (
    f"workers= is deprecated and ignored: {INSTEAD}; workers= will be removed in the next release"
)


def accept_workers(workers: object, /, *, stacklevel: int = 3) -> None:
    """Check a deprecated ``workers=`` value and warn that it no longer does anything.

    ``None`` (not given) is silent. A value that was never valid (not a whole
    number of at least 1) is still refused, as it was.

    Raises:
        InvalidOptionError: ``workers`` is not a whole number of at least 1.
    """
    if workers is None:
        return
    try:
        count = operator.index(workers)  # type: ignore[arg-type]
    except TypeError:
        count = 0
    if isinstance(workers, bool) or count < 1:
        raise InvalidOptionError(
            f"workers must be a whole number of processes, at least 1, not {workers!r}; "
            "better, leave it out: " + WORKERS_GONE
        )
    warnings.warn(WORKERS_GONE, DeprecationWarning, stacklevel=stacklevel)
