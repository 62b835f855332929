"""The plan's duties checked by case every week, not scored (campaign.yaml ``duties``).

Owns Duty, the duties the engine knows (DUTIES, VERIFY_WITHIN) and their loading from
campaign.yaml. May import ``yamlio`` (the checker) only.
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


def load_duties(c: Checker, data: Any) -> dict[str, Duty]:
    """campaign.yaml ``duties``: the plan's duties tracked by case (not scored)."""
    out: dict[str, Duty] = {}
    if not isinstance(data, dict):
        return out
    for key, spec in data.items():
        if key not in DUTIES:
            c.error(f"duties.{key}", f"应为 {' / '.join(DUTIES)} 之一")
            continue
        extra = {
            "head_on_scene": {"levels": list},
            "warnings": {"verify_within": str, "feedback_hours": int},
            "daily_reception": {"posts": list},
        }.get(key, {})
        spec = c.mapping(
            spec, f"duties.{key}", {"label": str, "clause": str, "quote": str, **extra}, {}
        )
        if "verify_within" in spec and spec["verify_within"] not in VERIFY_WITHIN:
            c.error(f"duties.{key}.verify_within", f"应为 {' / '.join(VERIFY_WITHIN)}(不过夜)")
        if isinstance(spec.get("feedback_hours"), int) and spec["feedback_hours"] < 1:
            c.error(f"duties.{key}.feedback_hours", "应为正整数(小时)")
        if {"label", "clause", "quote"} <= spec.keys():
            levels = tuple(str(x) for x in spec.get("levels") or ())
            hours = spec.get("feedback_hours")
            posts = tuple(str(x) for x in spec.get("posts") or ())
            if key == "daily_reception" and not posts:
                c.error(f"duties.{key}.posts", "应列出算作局领导接访的职务(如 局长、副局长)")
            out[key] = Duty(key, spec["label"], spec["clause"], spec["quote"], levels, hours, posts)
    return out
