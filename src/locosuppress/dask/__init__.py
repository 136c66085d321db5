"""The same jobs on Dask DataFrames (install the ``dask`` extra).

Layer 5: may import everything below it (store, filtering, events, keys, ...),
never the command line. Each partition is worked on by the pandas code of
locosuppress; what the partitions report is added up. Nothing is computed
until asked for. Many cores or many machines go through Dask: start a
``distributed.LocalCluster`` (or connect to a cluster) and call these.
"""

from __future__ import annotations

try:
    import dask.dataframe  # noqa: F401  (the extra's presence, checked once)
except ImportError as error:  # pragma: no cover - exercised without the extra installed
    from locosuppress.errors import MissingExtraError

    raise MissingExtraError(
        "locosuppress.dask needs Dask; install the 'dask' extra: pip install 'locosuppress[dask]'"
    ) from error

from locosuppress.dask._events import DaskAnonymisationResult, anonymise_events
from locosuppress.dask._filter import DaskFilterResult, FilterContext, filter

__all__ = [
    "DaskAnonymisationResult",
    "DaskFilterResult",
    "FilterContext",
    "anonymise_events",
    "filter",
]
