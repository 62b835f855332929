"""The tables behind each section of the weekly briefing (and for analysts in JupyterLab).

Every figure is read off the score result: the points table (one row per rule applied),
``excluded`` (rows read and not scored) and ``quality``. Nothing here decides again what
counts, so every view agrees with the scores for any as-of and any interpretation. The
ledgers are read only for facts that scoring does not decide (a visit's case id, how many
backlog cases a unit has, when returns arrived).

A week is a return week: it ends on the weekly return day (Friday). The last week is the
one holding as-of; when as-of is not a Friday that week is shown as far as as-of
(``baiyi_lib.dates.campaign_weeks``).

Modules, each imported from here:

- ``common``: return weeks, the as-of week, unit filters;
- ``visits``: visits seen and charged, by week, level and unit; points;
- ``progress``: the plan's targets: backlog burn-down, screening, 只访一次;
- ``attention``: 需要关注, the returns grid and the deadlines;
- ``final``: 总结考核 and a unit's own page;
- ``duties``: the plan's duties tracked by case, never scored."""

from ..scoring.returns import (  # noqa: F401  (the returns grid's words, for the pages)
    LATE,
    MISSING,
    NOT_DUE,
    ON_TIME,
    UNKNOWN,
    folder_returns,
    returns_grid,
    stored_returns,
    zero_return_units,
)
from .attention import (  # noqa: F401
    attention,
    backlog_behind,
    deadlines,
    escalations,
    missed_returns,
    repeat_visits,
    returns_evidence,
    returns_from_submissions,
    returns_status,
    unresolved_screening,
)
from .common import (  # noqa: F401
    _rule_ids,
    _unit_filter,
    _week_of,
    latest_return_day,
    previous_day,
    this_week,
    weeks,
)
from .duties import (  # noqa: F401
    LATE_D,
    LATE_W,
    MEETING_NAMES,
    NO_ENTRY,
    NOT_A_LEADER,
    NOT_DUE_D,
    NOT_DUE_W,
    NOT_RECORDED,
    NOT_SENT_D,
    NOT_THERE,
    ON_TIME_D,
    ON_TIME_W,
    OPEN_W,
    _step,
    backlog_procedure,
    documents_status,
    head_on_scene,
    reception_days,
    warnings_status,
)
from .final import (  # noqa: F401
    _documents_in_words,
    _flag_word,
    _target_clause,
    backlog_as_of,
    final_assessment,
    score_change_explained,
    unit_cases,
)
from .progress import (  # noqa: F401
    backlog_burndown,
    only_once,
    screening_check,
    targets,
)
from .visits import (  # noqa: F401
    charges,
    deductions_by_unit_week,
    first_cases,
    flags_raised,
    last_week_same_days,
    movers,
    points_detail,
    score_changes,
    scored_visits,
    upper_visits,
    visits_by_week,
    visits_charged,
    visits_seen,
    visits_summary,
)
