"""Anonymise open and click events after 12 months; erase one contact's events now.

An anonymised event still says that something happened (which campaign, which
link, what kind of event, on which day) and no longer says who did it:

* every column not on the allow-list ``keep`` becomes missing (NA), so an
  unknown column such as ``klant_id`` or ``notes`` is emptied, not kept;
* the timestamp is floored to the day (or hour, or month) in ``tz``;
* kept text loses URL query parameters outside ``keep_query_params``, URL
  fragments and user-info, and every e-mail address in it;
* before the identifying columns are emptied, the events are counted per group
  (kept values and time bucket), with the number of distinct people, so that
  unique opens and clicks survive as aggregates.

Nothing here writes to disk or logs values. The input frame is never modified.

The package holds, one concept per module: the options value (``_options``),
the plan against the columns and the cutoff (``_plan``), who an event belongs
to (``_people``), the work on one frame (``_frame``), kept columns
(``_kept``), scrubbing of text (``_scrub``), column helpers (``_columns``),
timestamps (``_times``), the aggregates (``_aggregates``), the report
(``_report``), the entry points (``_anonymise``, ``_erase``) and the
per-partition seam used by :mod:`locosuppress.dask` (``_partition``).

Layer 3: it may import ``errors``, ``_vocabulary``, ``_fs``, ``_compat``,
``reports``, ``normalize`` and ``keys``; never ``filtering``, ``io``,
``store`` or anything above them.
"""

from __future__ import annotations

from locosuppress.events._anonymise import anonymise_events, anonymize_events
from locosuppress.events._erase import erase_contact
from locosuppress.events._options import (
    DEFAULT_KEEP,
    DEFAULT_KEEP_QUERY_PARAMS,
    AnonymisationOptions,
)
from locosuppress.events._people import identity_columns
from locosuppress.events._report import AnonymisationReport, AnonymisationResult
from locosuppress.events._scrub import EMAIL_PLACEHOLDER

__all__ = [
    "DEFAULT_KEEP",
    "DEFAULT_KEEP_QUERY_PARAMS",
    "EMAIL_PLACEHOLDER",
    "AnonymisationOptions",
    "AnonymisationReport",
    "AnonymisationResult",
    "anonymise_events",
    "anonymize_events",
    "erase_contact",
    "identity_columns",
]
