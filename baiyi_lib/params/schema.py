"""The declared shape of limits.yaml, units.yaml, ledgers.yaml and campaign.yaml: one
model per mapping, its keys the fields. A required key has no default; an optional one has
a default (``Field(None)``: absent is None, but written as null it is refused like any
value of the wrong type).

The loaders validate the parsed YAML with these models (``strict.validate``) and build the
frozen dataclasses scoring reads; what cannot be a type (ranges in order, names that must
not collide, references) stays in the loaders. Owns the models. May import ``strict``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import Field

from .strict import Strict, Text, one_of

# a share, written as a decimal (0.2); a whole number (1) is YAML's int and refused
Share = one_of(float)

# limits.yaml


class PersonsLimit(Strict):
    value: int
    reason: Text


class DateRange(Strict):
    earliest: dt.date
    latest: dt.date
    reason: Text


class FileLimits(Strict):
    max_uncompressed_mb: int
    max_rows: int
    max_columns: int
    max_cells: int
    max_cell_chars: int
    reason: Text


class Replacement(Strict):
    max_rows: int
    max_share: Share
    reason: Text


class LimitsFile(Strict):
    max_persons_per_visit: PersonsLimit
    event_dates: DateRange
    first_petition_dates: DateRange
    files: FileLimits
    replacement: Replacement


# units.yaml


class UnitSpec(Strict):
    id: Text
    name: Text
    kind: Text
    aliases: list[Text] = Field(default_factory=list)


class UnitsFile(Strict):
    units: list[UnitSpec]
    kinds: list[Text]
    source: Text = Field(None)
    office_kind: Text = Field(None)
    organisation: Text = ""


# ledgers.yaml


class Listed(Strict):
    """A list of spellings with the reason for it (placeholders, serial headers…)."""

    values: list[Text]
    reason: Text


class Vocabulary(Strict):
    """Names, each with its other spellings (read by ``yamlio.vocabulary``)."""

    values: dict[Any, Any]
    reason: Text


class Pinyin(Strict):
    """How letters that spell a name are told: pinyin syllables (initial + final)."""

    refuse: bool = False
    initials: list[Text]
    finals: list[Text]
    min_letters: int
    words: list[Text] = Field(default_factory=list)


class IdShape(Strict):
    max_chars: int
    max_han: int
    need_digit: bool
    words: list[Text]
    pinyin: Pinyin
    reason: Text


class FileNames(Strict):
    """The words a file's or sheet's name is written with, and the surnames a person's
    name in it begins with (ledgers.yaml file_names)."""

    values: list[Text]
    surnames: list[Text]
    reason: Text


class LedgersFile(Strict):
    placeholders: Listed
    serial_headers: Listed
    total_words: Listed
    dispute_categories: Vocabulary
    ids: IdShape
    posts: Vocabulary = Field(None)
    warning_outcomes: Vocabulary = Field(None)
    file_names: FileNames = Field(None)


# campaign.yaml


class Sourced(Strict):
    """What the plan says, where: its clause and its sentence."""

    clause: Text
    quote: Text


class Period(Sourced):
    start: dt.date
    end: dt.date
    note: Text = Field(None)
    called: Text = "考核"
    office: Text = "考核办公室"


class PhaseSpec(Sourced):
    id: Text
    name: Text
    start: dt.date
    end: dt.date


class WeeklyReturn(Sourced):
    weekday: int
    weekday_name: Text
    what: Text
    late_days: int


class DocumentSpec(Strict):
    id: Text
    name: Text
    words: list[Text]


class DeadlineSpec(Sourced):
    id: Text
    name: Text
    date: dt.date
    documents: list[DocumentSpec] = Field(default_factory=list)


class BaseScore(Sourced):
    value: int
    unit: Text = "分"


class AttentionSpec(Strict):
    unresolved_weeks: int = Field(None)
    backlog_weeks_left: int = Field(None)
    missed_returns: int = Field(None)
    news_weeks: int = 1
    movers: int = 3
    clauses: dict[str, Text] = Field(default_factory=dict)
    aim: Text = ""


class TargetSpec(Strict):
    id: Text
    name: Text
    clause: Text
    measure: Text


class Targets(Strict):
    clause: Text
    targets: list[TargetSpec] = Field(alias="list")
    quote: Text = Field(None)


class Assessment(Strict):
    cycle: Text = "全期"
    clause: Text = ""
    quote: Text = ""


class AwardSpec(Sourced):
    name: Text
    rule: Text
    decided_by: Text
    note: Text = Field(None)


class CalendarSpec(Strict):
    """Public holidays and make-up working days in the period (the State Council's notice)."""

    source: Text
    holidays: list[dt.date] = Field(default_factory=list)
    workdays: list[dt.date] = Field(default_factory=list)


class DutySpec(Sourced):
    """A duty of the plan (campaign.yaml duties), with the fields its kind adds."""

    label: Text


class HeadOnScene(DutySpec):
    levels: list[Text]


class WarningsDuty(DutySpec):
    verify_within: Text
    feedback_hours: int


class DailyReception(DutySpec):
    posts: list[Text]


# each duty the engine knows (duties.DUTIES) and the shape of its mapping
DUTY_SHAPES: dict[str, type[DutySpec]] = {
    "head_on_scene": HeadOnScene,
    "backlog_by_the_book": DutySpec,
    "warnings": WarningsDuty,
    "daily_reception": DailyReception,
}


class CampaignFile(Strict):
    name: Text
    document: Text
    period: Period
    base_score: BaseScore
    short_name: Text = Field(None)
    targets: Targets = Field(None)
    assessment: Assessment = Assessment()
    phases: list[PhaseSpec] = Field(default_factory=list)
    # a method with no regular return (an annual method) has none: weeks are calendar weeks
    weekly_return: WeeklyReturn = Field(None)
    deadlines: list[DeadlineSpec] = Field(default_factory=list)
    attention: AttentionSpec = AttentionSpec()
    award: AwardSpec = Field(None)
    decided_by: Text = "考核单位"
    calendar: CalendarSpec = Field(None)
    # each duty checked by the shape of its kind (DUTY_SHAPES), in the file's order
    duties: dict[str, Any] = Field(default_factory=dict)
