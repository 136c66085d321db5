"""The retention schedule: a privacy policy's periods as data, applied and reported.

A :class:`RetentionPolicy` holds :class:`RetentionRule` values, each a period
for some rows of one table ("sample and quote requests: half a year"),
checked when the policy is built (no two rules for the same rows, no period
below a month, no unknown action) and read from or written to a TOML file a
privacy officer edits. ``policy.apply(tables)`` deletes or anonymises what is
past its period and returns the remaining tables with a
:class:`RetentionReport` per rule and per table; ``policy.due(tables)`` plans
ahead; ``policy.sweep(manifest)`` deletes the files of jobs past their period.
:data:`LOCOMAIL` is the preset for the LocoMail privacy policy.

The package holds, one concept per module: the rules and their periods
(``_rules``), the policy and its checks (``_policy``), the TOML file
(``_toml``), which rule governs a row and which rows are past their period
(``_select``), applying (``_apply``), planning (``_due``), the reports
(``_report``), the sweep of files (``_sweep``) and the preset (``_preset``).

Layer 4, beside ``store`` (neither imports the other): it may import
``events`` (the anonymiser's treatment and its reading of timestamps) and
everything below it (``_calendar`` for "now minus N calendar months");
never ``store``, ``dask`` or anything above them.
"""

from __future__ import annotations

from locosuppress.retention._due import RetentionDue
from locosuppress.retention._policy import DEFAULT_TZ
from locosuppress.retention._policy import RetentionPolicy as RetentionPolicy
from locosuppress.retention._preset import LOCOMAIL, REQUEST_KINDS
from locosuppress.retention._report import (
    RetentionCoverageWarning as RetentionCoverageWarning,
)
from locosuppress.retention._report import RetentionReport as RetentionReport
from locosuppress.retention._report import RetentionResult as RetentionResult
from locosuppress.retention._report import RuleOutcome, TableOutcome
from locosuppress.retention._rules import ACTIONS
from locosuppress.retention._rules import RetentionRule as RetentionRule
from locosuppress.retention._sweep import SweepItem, SweepReport

# RetentionPolicy, RetentionRule, RetentionReport, RetentionResult and
# RetentionCoverageWarning are importable here too; they are documented (and
# listed in ``__all__``) as top-level names of ``locosuppress``.
__all__ = [
    "ACTIONS",
    "DEFAULT_TZ",
    "LOCOMAIL",
    "REQUEST_KINDS",
    "RetentionDue",
    "RuleOutcome",
    "SweepItem",
    "SweepReport",
    "TableOutcome",
]
