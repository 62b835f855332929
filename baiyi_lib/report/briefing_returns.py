"""The briefing's returns and deadlines (报送情况与时间节点), the attention lists (需要关注),
the method (口径说明) and the provenance (数据来源 and the appendix). Python computes the
tables; ``briefing_returns.html.j2`` lays them out.

A mixin of ``Briefing`` (report/briefing.py), which holds the data and the views
computed once per page.
"""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path
from typing import Any

import pandas as pd
from markupsafe import Markup

from .. import views
from .._version import __version__
from ..ledgers.schema import KIND_LABELS
from ..params import shown_path
from ..present import attention_lists, attention_shown, days_in_words, labels
from .markup import Fragment, md, section

ATTENTION_SHOWN = 15  # rows of each 需要关注 list on the page (the view has them all)
MARKS = {views.ON_TIME: "✓", views.LATE: "迟", views.MISSING: "✗", views.NOT_DUE: "…",
         views.UNKNOWN: "?"}  # fmt: skip


def _returns(macro: str, **context: Any) -> Fragment:
    return section("briefing_returns.html.j2", macro, **context)


class ReturnSections:
    """Sections of the briefing about returns, attention, method and provenance."""

    @functools.cached_property
    def _returns_evidence(self) -> tuple[pd.DataFrame, str]:
        return views.returns_evidence(self.data, self.ledgers, self.result, self.known)

    def returns_status(self) -> tuple[pd.DataFrame, str]:
        """Unit × week returns and what they are judged from (submission records in the
        store, else the screening dates); computed once per briefing."""
        return self._returns_evidence

    @functools.cached_property
    def documents(self) -> pd.DataFrame | None:
        """The one-off documents (实施方案 五、四) by unit (views.documents_status)."""
        return views.documents_status(self.ledgers, self.rules, self.as_of)

    def attention(self) -> Fragment:
        """需要关注: cases and units to act on before the next visit happens."""
        status, basis = self.returns_status()
        a = attention_shown(views.attention(self.ledgers, self.result, status, self.unit))
        lists = [
            {"title": title, "clause": clause, "cols": cols, "rows": a[key]}
            for key, (title, clause, cols) in attention_lists(self.rules, basis).items()
        ]
        return _returns("attention", lists=lists, shown=ATTENTION_SHOWN)

    def returns(self) -> Fragment:
        """报送情况与时间节点."""
        context: dict[str, Any] = {
            "has_returns": self.rules.campaign.has_returns,
            "week": None,
            "grid": None,
            "gaps": [],
            "deadlines": self._deadlines(),
        }
        if not context["has_returns"]:
            return _returns("returns", **context)
        status, basis = self.returns_status()
        cal = views.weeks(self.rules, self.as_of)
        due = cal[cal["end"] <= pd.Timestamp(self.as_of)]
        if len(due):
            last_due = due.iloc[-1]  # the latest return day due
            week = status[status["week_end"] == last_due["end"]]
            if self.unit:
                week = week[week["unit"] == self.unit]
            missing = week[~week["status"].isin([views.ON_TIME, views.UNKNOWN])]
            blind = week[week["status"] == views.UNKNOWN]
            context["week"] = {
                "when": f"截至 {md(last_due['end'])} 的一周",
                "who": self.unit or ("其余各单位均" if len(blind) else "各单位均"),
                "basis": basis,
                "missing": list(missing.itertuples()),
                "blind": "、".join(blind["unit"]),
            }
        if len(status) and not self.unit:
            week_names = dict(zip(cal["end"], cal["label"], strict=True))
            grid = status.assign(week=status["week_end"].map(week_names))
            grid = grid.pivot(index="unit", columns="week", values="status").reindex(
                index=self.rules.units.names, columns=cal["label"].to_list()
            )
            marks = grid.replace(MARKS).reset_index()
            legend = "✓ 按时,迟 迟报,✗ 未报,… 未到期"
            if (status["status"] == views.UNKNOWN).any():
                legend += ",? 零报告,看不出日期"
            cols = {"unit": "单位", **{c: c for c in marks.columns if c != "unit"}}
            context["grid"] = {"legend": legend, "marks": marks, "cols": cols}
        if self.from_store:
            from ..store import return_gaps  # duckdb only when a store is read

            gaps = return_gaps(self.data, self.known)
            if self.unit:
                gaps = gaps[gaps["unit"] == self.unit]
            context["gaps"] = [
                {"unit": r.unit, "kind": KIND_LABELS[r.kind], "file": r.file}
                for r in gaps.itertuples()
            ]
        return _returns("returns", **context)

    def _deadlines(self) -> Markup:
        """时间节点: the next return and the method's deadlines with days left, and the
        documents owed (empty if the method has no deadline)."""
        dl = views.deadlines(self.rules, self.as_of)
        if dl.empty:
            return Markup("")
        sent = self._documents_by_deadline()
        dl = dl.assign(
            date=dl["date"].map(lambda d: f"{d.year}年{md(d)}"),
            status=dl["days_left"].map(days_in_words),
            sent=[sent.get(n, "") for n in dl["name"]],
        )
        cols = labels(
            "name", "date", "status", "clause",
            overrides={"name": "事项", "clause": "依据", "status": "距今"},
        )  # fmt: skip
        if any(dl["sent"]):
            cols = {**cols, "sent": "各单位报送"}
        made = _returns("deadlines", dl=dl, cols=cols, owed=self._documents_owed())
        return Markup(made.markup)

    def _documents_by_deadline(self) -> dict[str, str]:
        """Per deadline with documents (实施方案 五、四), how many units sent each on time,
        late, or not at all, as known; or that a folder can't tell."""
        docs = self.rules.campaign.documents
        if not docs:
            return {}
        status = self.documents
        out: dict[str, str] = {}
        for doc, deadline in docs:
            if status is None:  # one sentence per deadline, not one per document
                out[deadline.name] = "无法核对:读的是台账文件夹,材料的收到时间只记在台账库中"
                continue
            n = status[status["document"] == doc.id]["status"].value_counts()
            parts = [f"{s} {n[s]}" for s in (views.ON_TIME_D, views.LATE_D, views.NOT_SENT_D,
                                              views.NOT_DUE_D) if n.get(s)]  # fmt: skip
            said = f"{doc.name}:{'、'.join(parts)}"
            out[deadline.name] = (out[deadline.name] + ";" if deadline.name in out else "") + said
        return out

    def _documents_owed(self) -> pd.DataFrame | None:
        """The units late with, or still owing, a document whose day has passed."""
        status = self.documents
        if status is None:
            return None
        bad = status[status["status"].isin([views.LATE_D, views.NOT_SENT_D])]
        if self.unit:
            bad = bad[bad["unit"] == self.unit]
        if bad.empty:
            return None
        return (
            bad.assign(what=bad["name"] + "(" + bad["status"] + ")")
            .groupby("unit", sort=False)["what"]
            .agg("、".join)
            .reset_index()
        )

    def method(self) -> Fragment:
        """口径说明: each reading of an ambiguous text with its value, or that the method
        has none; then what the score discloses (rows read but not charged)."""
        readings = list(self.rules.interpretations.values())
        context: dict[str, Any] = {"readings": None, "cols": {}, "hl": None,
                                   "disclosures": self.result.disclosures()}  # fmt: skip
        if readings:
            context["readings"] = pd.DataFrame({
                "label": [r.label for r in readings],
                "value": [r.value_words() for r in readings],
                "meaning": [r.meaning() or r.note for r in readings],
                "default": [r.value_words(r.default) for r in readings],
                "clause": [r.clause for r in readings],
            })  # fmt: skip
            context["cols"] = labels(
                "label", "value", "meaning", "default", "clause",
                overrides={"label": "原文有歧义之处", "value": "本次取值", "meaning": "含义",
                           "default": "默认"},
            )  # fmt: skip
            context["hl"] = pd.Series([not r.is_default for r in readings])
        return _returns("method", **context)

    @property
    def _rules_arg(self) -> str:
        """The --rules the appendix's commands need: none for the project's own params."""
        shown = shown_path(self.rules.source)
        return "" if shown == "params/rules.yaml" else f" --rules {Path(shown).parent}"

    def provenance(self) -> Fragment:
        """数据来源: one short line under the briefing; the files and their SHA-256 in an
        appendix (on its own page when printed)."""
        readings = list(self.rules.interpretations.values())
        changed = [it.words() for it in readings if not it.is_default]
        return _returns(
            "provenance",
            source="台账库" if self.from_store else "台账文件夹",
            files=list(self.ledgers.files.itertuples()),
            known=f";已知时间 {self.known_at[:16]}" if self.known_at else "",
            settings=";".join(changed) if changed else "全部默认",
            now=f"{dt.datetime.now():%Y-%m-%d %H:%M}",
            data=self.data,
            version=__version__,
            rules_path=shown_path(self.rules.source),
            rules_sha=self.rules.sha256,
            readings=readings,
            rules_arg=self._rules_arg,
        )
