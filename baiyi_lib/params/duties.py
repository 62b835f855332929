"""The plan's duties checked by case every week, not scored (campaign.yaml ``duties``).

Owns Duty, the duties the engine knows (DUTIES, VERIFY_WITHIN) and their loading from
campaign.yaml. May import ``yamlio`` (the checker), ``schema`` (the shape of each duty)
and ``strict`` (validation).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .yamlio import Checker


@dataclass(frozen=True)
class Duty:
    """A duty of the plan checked by case every week, not scored (campaign.yaml duties):
    head_on_scene (主要负责人到场接访, at ``levels``), backlog_by_the_book (领导包案, 会商、
    评议、听证), warnings (预警信息), daily_reception (局党组领导每天在局接访, by ``posts``)."""

    id: str
    label: str
    clause: str
    quote: str
    levels: tuple[str, ...] = ()
    # warnings (四(二)): verified within the day pushed (核查不过夜), important ones fed
    # back within this many hours (重要信息 2 小时反馈)
    feedback_hours: int | None = None
    # daily_reception (四(一)): the posts (ledgers.yaml posts) that count as a leader of
    # the bureau receiving visitors on a day of the roster
    posts: tuple[str, ...] = ()


# The duties the engine knows how to check, by id
DUTIES = ("head_on_scene", "backlog_by_the_book", "warnings", "daily_reception")
# 核查不过夜: the only verification deadline the engine knows, as params write it
VERIFY_WITHIN = ("当日",)


def load_duties(c: Checker, data: dict[str, Any]) -> dict[str, Duty]:
    """campaign.yaml ``duties``: the plan's duties tracked by case (not scored), each
    checked against the shape of its kind, in the file's order."""
    out: dict[str, Duty] = {}
    for key, raw in data.items():
        if key not in DUTIES:
            c.error(f"duties.{key}", f"应为 {' / '.join(DUTIES)} 之一")
            continue
        from .schema import DUTY_SHAPES  # pydantic only when a file is checked
        from .strict import validate

        spec = validate(c, DUTY_SHAPES[key], raw, f"duties.{key}", ("duties", key))
        if spec is None:
            continue
        verify = getattr(spec, "verify_within", None)
        if verify is not None and verify not in VERIFY_WITHIN:
            c.error(f"duties.{key}.verify_within", f"应为 {' / '.join(VERIFY_WITHIN)}(不过夜)")
        hours = getattr(spec, "feedback_hours", None)
        if hours is not None and hours < 1:
            c.error(f"duties.{key}.feedback_hours", "应为正整数(小时)")
        posts = tuple(getattr(spec, "posts", ()))
        if key == "daily_reception" and not posts:
            c.error(f"duties.{key}.posts", "应列出算作局领导接访的职务(如 局长、副局长)")
        levels = tuple(getattr(spec, "levels", ()))
        out[key] = Duty(key, spec.label, spec.clause, spec.quote, levels, hours, posts)
    return out
