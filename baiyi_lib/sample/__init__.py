"""A seeded generator of realistic synthetic ledgers for the whole campaign.

Synthetic: no row describes a real case. The same seed writes byte-identical files.

What it simulates, per the plan: every unit; visits mostly at county level, few at city,
rare at province, very rare in Beijing; some collective; rare incidents; a backlog of cases
aged 1 to 15 years, resolved and certified over the weeks; a rolling screening ledger sent
every Friday, with some cases missed before their visit and some late or missing returns.
It writes them as units send them: one workbook per unit (title rows, a screening sheet and
a backlog sheet, an instructions sheet), the office's visit register as a GB18030 CSV, and
the incident register as a workbook.

Modules: ``simulate`` (the campaign's rows) and ``files`` (written as offices send them)."""

from __future__ import annotations

from .files import (  # noqa: F401
    BACKLOG_HEADERS,
    INCIDENT_HEADERS,
    SCREENING_HEADERS,
    VISIT_HEADERS,
    write,
    write_sample,
)
from .simulate import (  # noqa: F401
    BUSY_UNITS,
    CATEGORIES,
    COLLECTIVE_SHARE,
    DEFAULT_SEED,
    FIXED_CORE_TIME,
    FIXED_ZIP_TIME,
    IRREGULAR_SHARE,
    LEVEL_RATES,
    SYNTHETIC,
    SampleData,
    as_sent_on,
    generate,
)
