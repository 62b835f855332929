"""Validate raw tables into the four tidy ledgers, listing every problem in one pass.

Every problem names file, sheet, Excel row, the column header as written, the value (masked
if it is personal data) and what was expected, in Chinese. A row with an error is refused;
a remark (提示) does not refuse it. Accounting per file: rows read = used + refused.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from ..params import Limits, Rules, canonical_category, fold
from . import normalise as nz
from .checks import CHECKS
from .privacy import check_cells, is_pii_header, mask_column
from .raw import FileNote, RawTable, ReadResult
from .schema import (
    KEYS,
    KIND_LABELS,
    KINDS,
    NO,
    SCHEMAS,
    STATUS_ALIASES,
    YES,
    Column,
    columns,
    normalise_header,
)

ERROR = "错误"
REMARK = "提示"
PROBLEM_COLUMNS = [
    "kind",
    "file",
    "sheet",
    "row",
    "column",
    "value",
    "problem",
    "expected",
    "severity",
    "check",
]
ACCOUNTING_COLUMNS = [
    "file", "sheet", "kind", "rows_read", "rows_used", "rows_refused", "note", "unit", "zero",
    "declared",
]  # fmt: skip
PROVENANCE = ["src_file", "src_sheet", "src_row"]
# The collapsed screening ledger: one row per (unit, case).
SCREENING_COLUMNS = [
    "case_id",
    "unit",
    "screened_on",
    "last_screened_on",
    "category",
    "status",
    "resolved_on",
    "returns",
    *PROVENANCE,
]
MAX_VALUE_CHARS = 40
# Ledgers leave the loader in this order, so that nothing downstream depends on file order.
CANONICAL_ORDER = {
    "visits": ("date", "visit_id"),
    "incidents": ("date", "incident_id"),
    "screening": ("unit", "case_id", "screened_on"),
    "backlog": ("case_id",),
    "warnings": ("pushed_at", "warning_id"),
    "roster": ("date", "lead_post"),
}


def _parser(col: Column, rules: Rules) -> Callable[[pd.Series], tuple]:
    """The parser of one column type; columns with few distinct values are parsed once per
    distinct value (nz.per_value). Dates and head counts are bounded by limits.yaml; levels
    and forms are the rules' vocabulary (rules.yaml)."""
    limits = rules.limits
    if col.type in ("date", "opt_date"):
        earliest, latest = (
            (limits.first_petition_earliest, limits.first_petition_latest)
            if col.dates == "first_petition"
            else (limits.event_earliest, limits.event_latest)
        )
        required = col.type == "date"
        return nz.per_value(lambda v: nz.dates(v, required, earliest, latest))
    if col.type == "persons":
        return nz.per_value(lambda v: nz.persons(v, limits.max_persons_per_visit))
    return {
        "id": nz.ids,
        "opt_id": nz.optional_ids,
        "level": nz.per_value(lambda v: nz.vocabulary(v, rules.level_spellings)),
        "form": nz.per_value(lambda v: nz.vocabulary(v, rules.form_spellings)),
        "status": nz.per_value(nz.statuses),
        "bool": nz.per_value(nz.booleans),
        "opt_bool": nz.per_value(nz.optional_booleans),
        "moment": nz.per_value(
            lambda v: nz.moments(v, True, limits.event_earliest, limits.event_latest)
        ),
        "opt_moment": nz.per_value(
            lambda v: nz.moments(v, False, limits.event_earliest, limits.event_latest)
        ),
        "outcome": nz.per_value(
            lambda v: nz.vocabulary_or_blank(v, rules.reading.warning_outcomes)
        ),
        "post": nz.per_value(lambda v: nz.posts(v, rules.reading.post_lookup(), col.required)),
    }[col.type]


@dataclass
class Checked:
    """The outcome of validation: clean frames (refused rows left out), problems, accounting."""

    frames: dict[str, pd.DataFrame]
    screening_rows: pd.DataFrame
    problems: pd.DataFrame
    accounting: pd.DataFrame

    @property
    def errors(self) -> pd.DataFrame:
        return self.problems[self.problems["severity"] == ERROR]


class _Problems:
    """Accumulates problems as small DataFrames (vectorised), concatenated once."""

    def __init__(self) -> None:
        self.parts: list[pd.DataFrame] = []

    def add_notes(self, notes: list[FileNote], kind: str = "") -> None:
        """File-level problems and remarks, each with its declared check."""
        assert all(n.check in CHECKS for n in notes), [n.check for n in notes]
        if notes:
            df = pd.DataFrame([n.__dict__ for n in notes])
            df["kind"] = kind
            self.parts.append(df)

    def add(
        self,
        table: pd.DataFrame,
        mask: np.ndarray,
        kind: str,
        column: pd.Series | str,
        value: pd.Series | str,
        problem: pd.Series | str,
        expected: str,
        severity: str = ERROR,
        *,
        check: str,
    ) -> None:
        """Problems at the rows of ``table`` in ``mask``, found by the declared check
        ``check`` (checks.CHECKS)."""
        assert check in CHECKS, check
        if not mask.any():
            return
        sel = table.loc[mask]
        df = pd.DataFrame(
            {
                "kind": kind,
                "file": sel["src_file"].astype(str).to_numpy(),
                "sheet": sel["src_sheet"].astype(str).to_numpy(),
                "row": sel["src_row"].to_numpy(),
                "column": column[mask].to_numpy() if isinstance(column, pd.Series) else column,
                "value": shown(value[mask]).to_numpy() if isinstance(value, pd.Series) else value,
                "problem": problem[mask].to_numpy() if isinstance(problem, pd.Series) else problem,
                "expected": expected,
                "severity": severity,
                "check": check,
            }
        )
        self.parts.append(df)

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in PROBLEM_COLUMNS})
        df = pd.concat(self.parts, ignore_index=True)[PROBLEM_COLUMNS]
        df["row"] = df["row"].astype("Int64")
        # the one gate through which ledger text reaches a message: nothing unmasked
        for col in ("file", "sheet", "column", "value", "problem"):
            df[col] = mask_column(df[col])
        df["kind"] = df["kind"].map(lambda k: KIND_LABELS.get(k, k))
        return df.sort_values(
            ["file", "sheet", "row", "column"], kind="stable", na_position="first"
        ).reset_index(drop=True)


def shown(raw: pd.Series) -> pd.Series:
    """A raw cell as a user sees it in a message: text, personal numbers masked (before it
    is shortened, so no half number escapes), shortened; each distinct value once."""
    s = mask_column(raw.map(nz._cell_text).astype(object))
    s = s.where(s.notna(), "")
    return s.map(lambda v: v if len(v) <= MAX_VALUE_CHARS else v[: MAX_VALUE_CHARS - 1] + "…")


def _claim_declared(tables: list[RawTable], cols: tuple[Column, ...]) -> None:
    """The method's declared columns (已预警…) among each table's extra columns: renamed to
    their names, so that they are read like the contract's own (first one of a kind wins)."""
    own = {c.name for kind in KINDS for c in SCHEMAS[kind]}
    declared = {
        normalise_header(spelling): c.name
        for c in cols
        if c.name not in own
        for spelling in (c.header, c.name, *c.aliases)
    }
    if not declared:
        return
    wanted = {c.name: c for c in cols if c.name not in own}
    for t in tables:
        renames = {}
        for col in t.frame.columns:
            if not str(col).startswith("extra:"):
                continue
            name = declared.get(normalise_header(str(col).removeprefix("extra:")))
            if name is not None and name not in t.frame.columns and name not in renames.values():
                renames[col] = name
        if renames:
            t.frame = t.frame.rename(columns=renames)
            for old, new in renames.items():
                t.headers[new] = t.headers.pop(old, old.removeprefix("extra:"))
        for name, col in wanted.items():  # said before any score: it reads as 否
            if name not in t.frame.columns and len(t.frame):
                t.remarks.append(f"没有考核办法要求的「{col.header}」列,各行按否计")


def _concat(
    tables: list[RawTable], kind: str, cols: tuple[Column, ...]
) -> tuple[pd.DataFrame, dict[str, pd.Series]]:
    """All tables of one kind as one frame with provenance; headers as written, per row."""
    parts = []
    for t in tables:
        df = t.frame.copy()
        df["src_file"] = t.file
        df["src_sheet"] = t.sheet
        df["src_row"] = t.rows
        df["_table"] = id(t)
        if t.quiet:
            quiet: dict[int, set[str]] = {}
            for row, name in t.quiet:
                quiet.setdefault(row, set()).add(name)
            df["_quiet"] = [frozenset(quiet.get(int(r), ())) for r in t.rows]
        parts.append(df)
    if parts:
        frame = pd.concat(parts, ignore_index=True)
    else:
        frame = pd.DataFrame({c: pd.Series(dtype=object) for c in [*PROVENANCE, "_table"]})
    headers: dict[str, pd.Series] = {}
    for col in cols:
        per_table = [
            pd.Series(t.headers.get(col.name, col.header), index=range(len(t.frame)))
            for t in tables
        ]
        headers[col.name] = (
            pd.concat(per_table, ignore_index=True) if per_table else pd.Series(dtype=object)
        )
        if col.name not in frame.columns:
            frame[col.name] = pd.Series(pd.NA, index=frame.index, dtype=object)
    return frame, headers


def _check_headers(tables: list[RawTable], kind: str, problems: _Problems) -> set[int]:
    """Refuse whole tables whose headers name personal data or name one column twice;
    return their ids."""
    refused: set[int] = set()
    for t in tables:
        for header in t.headers.values():
            if is_pii_header(header):
                refused.add(id(t))
                problems.add_notes(
                    [
                        FileNote(
                            t.file,
                            t.sheet,
                            t.header_row,
                            header,
                            header,
                            "该列记录个人信息,台账只记案件编号和人次,不得记录信访人信息;整张表未载入",
                            "删除该列后重新报送",
                            check="table.personal_header",
                        )
                    ],
                    kind,
                )
        for name, written in t.duplicates.items():
            refused.add(id(t))
            label = next(c.header for c in SCHEMAS[kind] if c.name == name)
            problems.add_notes(
                [
                    FileNote(
                        t.file,
                        t.sheet,
                        t.header_row,
                        "、".join(written),
                        label,
                        f"表头「{label}」出现 {len(written)} 次({'、'.join(written)}),"
                        "无法确定以哪一列为准;整张表未载入",
                        f"只保留一列「{label}」",
                        check="table.duplicate_header",
                    )
                ],
                kind,
            )
    return refused


def _parse_columns(
    frame: pd.DataFrame, headers: dict[str, pd.Series], kind: str, rules: Rules, problems: _Problems
) -> pd.DataFrame:
    """Typed columns for one kind; every unreadable cell becomes a problem.

    A "none" written as people write it (无, /, —, 暂无…: ledgers.yaml) is a blank cell in
    every column: an optional one is empty, a required one is an empty required cell. An
    id that reads as prose, or a dispute category outside the office's list, is refused and
    never echoed: the message shows it masked (``prose_mask``)."""
    out = pd.DataFrame(index=frame.index)
    for col in columns(kind, rules):
        written = frame[col.name]
        placeholder = _placeholders(written, rules)
        raw = written.mask(placeholder) if placeholder.any() else written
        if col.type == "unit":
            values, bad, why = _units(raw, rules)
        elif col.type == "category":
            values, bad, why = _categories(raw, rules)
        elif col.type == "dispute":
            values, bad, why = _disputes(raw, rules)
        else:
            values, bad, *given = _parser(col, rules)(raw)
            why = given[0] if given else None
        prose = np.zeros(len(raw), dtype=bool)
        if col.type in ("id", "opt_id"):
            prose = _prose_ids(values, rules)
            if prose.any():
                values = values.mask(prose)
        out[col.name] = values
        bad = (bad | prose) & ~_quiet(frame, col.name)
        if bad.any():
            if why is None:
                why = _why(col, raw, bad)
            why = pd.Series(why, index=raw.index).astype(object)
            why[prose] = _ID_PROSE.format(**_id_rule(rules))
            said = placeholder & bad
            if said.any():
                why[said] = written[said].map(lambda v: f"「{v}」表示没有,但此列必填")
            # refused free text is never echoed: it may name a person; nor is a refused
            # value with a Chinese character foreign to its column (王小明 in 走访层级)
            hidden = prose | (bad if col.type in ("dispute", "post") else False)
            hidden = hidden | (bad & _may_name(written, _column_characters(col, rules)))
            if col.type == "post":  # a name may stand where a post belongs: never echoed
                why = pd.Series(why, index=raw.index).astype(object)
                why[bad] = "不是职务表中的写法:包案领导只填职务(如 分管副局长),不写姓名;原文未显示"
            shown_as = written.where(~hidden, prose_mask(written))
            expected = expected_text(col, rules)
            if col.type == "persons":
                expected += (
                    f"(不超过 {rules.limits.max_persons_per_visit};{rules.limits.persons_reason})"
                )
            checks = np.where(prose, "cell.prose", f"cell.{col.type}")
            for name in dict.fromkeys(checks[bad]):
                mask = bad & (checks == name)
                problems.add(frame, mask, kind, headers[col.name], shown_as, why, expected,
                             check=str(name))  # fmt: skip
    return out


# The Chinese characters a date or a head count is written with (2019年3月5日14时30分, 3人)
_DATE_CHARACTERS = frozenset("年月日号时点分秒上下午晚早中凌晨零〇一二三四五六七八九十廿卅人次")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _column_characters(col: Column, rules: Rules) -> frozenset[str] | None:
    """The Chinese characters a value of this column is written with: those of its
    vocabulary's spellings (levels, forms, units…), or of dates and head counts. None for
    ids, whose refusal has its own rule (``_prose_ids``)."""
    words: list[str] = []
    if col.type in ("date", "opt_date", "moment", "opt_moment", "persons"):
        return _DATE_CHARACTERS
    vocab = {
        "level": rules.level_spellings,
        "form": rules.form_spellings,
        "status": STATUS_ALIASES,
        "outcome": rules.reading.warning_outcomes,
        "dispute": rules.reading.dispute_categories,
    }.get(col.type)
    if vocab is not None:
        words = [w for k, v in vocab.items() for w in (k, *v)]
    elif col.type == "unit":
        words = list(rules.units.lookup())
    elif col.type == "category":
        words = [*rules.categories, *rules.category_aliases]
    elif col.type in ("bool", "opt_bool"):
        words = [*YES, *NO]
    else:
        return None
    return frozenset("".join(words))


def _may_name(written: pd.Series, allowed: frozenset[str] | None) -> np.ndarray:
    """Cells holding a Chinese character their column never uses: they may hold a person's
    name (王小明 typed into 走访层级), so a message shows their length, not their text."""
    if allowed is None:
        return np.zeros(len(written), dtype=bool)
    return written.map(
        lambda v: isinstance(v, str) and any(ch not in allowed for ch in _HAN.findall(v))
    ).to_numpy(dtype=bool)


def _quiet(frame: pd.DataFrame, name: str) -> np.ndarray:
    """Cells already reported while reading (a formula without a result): not judged
    again (their row is refused by that report)."""
    if "_quiet" not in frame:
        return np.zeros(len(frame), dtype=bool)
    return frame["_quiet"].map(lambda q: isinstance(q, frozenset) and name in q).to_numpy(bool)


_ID_PROSE = (
    "不像编号(编号含数字、汉字不超过 {max_han} 个、不超过 {max_chars} 字),像是一句话;原文未显示"
)


def _id_rule(rules: Rules) -> dict:
    return {"max_han": rules.reading.id_max_han, "max_chars": rules.reading.id_max_chars}


def _placeholders(raw: pd.Series, rules: Rules) -> np.ndarray:
    """Cells that say "none" as people write it (ledgers.yaml placeholders)."""
    marks = rules.reading.placeholders

    def parse(v: pd.Series) -> tuple[pd.Series, np.ndarray]:
        folded = nz.text(v).map(lambda t: fold(t) if isinstance(t, str) else t)
        return v, folded.isin(marks).to_numpy(dtype=bool)

    if not (ptypes.is_object_dtype(raw) or ptypes.is_string_dtype(raw)):
        return np.zeros(len(raw), dtype=bool)
    return nz.per_value(parse)(raw)[1]


_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _prose_ids(values: pd.Series, rules: Rules) -> np.ndarray:
    """Ids that read as a sentence (or a name) rather than a code (ledgers.yaml ids): too
    long, too many Chinese characters, or Chinese characters without any digit (王小明)."""
    r = rules.reading

    def parse(v: pd.Series) -> tuple[pd.Series, np.ndarray]:
        def prose(t: object) -> bool:
            if not isinstance(t, str):
                return False
            han = len(_HAN.findall(t))
            return (
                len(t) > r.id_max_chars
                or han > r.id_max_han
                or (r.id_need_digit and han > 0 and not any(ch.isdigit() for ch in t))
            )

        return v, v.map(prose).to_numpy(dtype=bool)

    return nz.per_value(parse)(values.astype(object))[1]


# words beside a number: Chinese characters or Latin letters (not the X of an ID number)
_WORDS = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[A-Za-z]{2,}")


def _personal_shown(raw: pd.Series, personal: np.ndarray) -> pd.Series:
    """A cell refused for a personal number as a message shows it: the number masked when
    the cell holds nothing else; its length only when words stand beside the number (they
    may name the person: 联系人李四138…)."""
    text = raw.map(nz._cell_text).astype(object)
    words = text.map(lambda t: isinstance(t, str) and bool(_WORDS.search(t))).to_numpy(bool)
    return raw.where(~(personal & words), prose_mask(raw))


def prose_mask(raw: pd.Series) -> pd.Series:
    """A refused free-text value as a message may show it: its length, never any of its
    characters (李四 is two characters; a first character is a surname)."""

    def mask(v: object) -> object:
        t = nz._cell_text(v)
        if t is pd.NA:
            return ""
        t = str(t)
        return f"(共 {len(t)} 字,原文未显示)"

    return raw.map(mask)


def expected_text(col: Column, rules: Rules) -> str:
    """What a valid value of a column looks like, in Chinese; levels and forms are named
    from the rules' vocabulary."""
    if col.type == "level":
        return "、".join(rules.levels) + "之一"
    if col.type == "form":
        return " 或 ".join(rules.forms)
    return col.expected


def _why(col: Column, raw: pd.Series, bad: np.ndarray) -> pd.Series:
    """Why each bad cell is bad: blank, or not a value of its type (only the bad cells are
    looked at; the others get no reason)."""
    blank = nz.text(raw[bad]).isna().to_numpy()
    why = np.where(blank, "必填项为空", f"无法识别的{col.header}")
    return pd.Series(why, index=raw.index[bad]).reindex(raw.index)


def _units(raw: pd.Series, rules: Rules) -> tuple[pd.Series, np.ndarray, pd.Series]:
    """Canonical unit names from names, aliases or ids; unknown ones get a suggestion."""
    lookup = rules.units.lookup()

    def parse(v: pd.Series) -> tuple[pd.Series, np.ndarray]:
        out = nz.squashed(v).map(lookup)
        return out, out.isna().to_numpy()

    values, bad = nz.per_value(parse)(raw)
    s = nz.squashed(raw[bad]).reindex(raw.index)
    why = pd.Series("必填项为空", index=raw.index[bad], dtype=object)
    for spelling in s[bad & s.notna().to_numpy()].unique():
        close = difflib.get_close_matches(spelling, list(lookup), n=1, cutoff=0.5)
        hint = f";是否为「{lookup[close[0]]}」?" if close else ""
        why[s[bad] == spelling] = f"单位名称不在单位名单中{hint}"
    why = why.reindex(raw.index)
    return values, bad, why


def _disputes(raw: pd.Series, rules: Rules) -> tuple[pd.Series, np.ndarray, pd.Series]:
    """A dispute category (纠纷类别) from the office's list in ledgers.yaml, or blank."""
    lookup = rules.reading.dispute_lookup()

    def parse(v: pd.Series) -> tuple[pd.Series, np.ndarray]:
        s = nz.text(v)
        out = s.map(lambda t: lookup.get(_squash_text(t)) if isinstance(t, str) else None)
        return out.astype(object), (s.notna() & out.isna()).to_numpy()

    values, bad = nz.per_value(parse)(raw)
    names = "、".join(rules.reading.dispute_categories)
    why = pd.Series(np.where(bad, f"不是纠纷类别;台账只填类别({names})", ""), index=raw.index)
    return values, bad, why


def _squash_text(text: str) -> str:
    return "".join(ch for ch in text if not ch.isspace() and ch not in "、,,;;。.")


def _categories(raw: pd.Series, rules: Rules) -> tuple[pd.Series, np.ndarray, pd.Series]:
    """An incident category of the method's list. A method that charges no event lists
    none: the category is kept as written (the row is read, and not scored, with why)."""
    s = nz.text(raw)
    if not rules.categories:
        return s.astype(object), s.isna().to_numpy(), pd.Series("必填项为空", index=raw.index)
    table = {v: canonical_category(rules, v) for v in s.dropna().unique()}
    values = s.map(table)
    bad = values.isna().to_numpy()
    why = pd.Series(
        np.where(s.isna(), "必填项为空", "事件类别不在考核办法所列类别中"), index=raw.index
    )
    return values, bad, why


def _check_cells(
    frame: pd.DataFrame,
    headers: dict[str, pd.Series],
    kind: str,
    limits: Limits,
    problems: _Problems,
) -> None:
    """Every cell of every column, as written and before any normalisation: no personal
    number (in any spelling, in any column, number cells included), no control
    character, no overlong text."""
    names = [c.name for c in SCHEMAS[kind]]
    extras = [c for c in frame.columns if str(c).startswith("extra:") or c in headers]
    extras = [c for c in dict.fromkeys(extras) if c not in names]  # declared columns too
    for name in names + extras:
        raw = frame[name]
        textual = ptypes.is_object_dtype(raw) or ptypes.is_string_dtype(raw)
        numeric = ptypes.is_numeric_dtype(raw) and not ptypes.is_bool_dtype(raw)
        if not textual and not numeric:
            continue  # dates and booleans from a DataFrame hold no text
        header = headers[name] if name in headers else name.removeprefix("extra:")
        flags = check_cells(raw)
        personal = (flags.personal != "").to_numpy()
        if personal.any():
            problems.add(
                frame,
                personal,
                kind,
                header,
                _personal_shown(raw, personal),
                "单元格含" + flags.personal + ",台账不得记录个人信息",
                "删除个人信息,只填案件编号和人次",
                check="text.personal",
            )
        problems.add(
            frame,
            flags.control,
            kind,
            header,
            raw,
            "单元格含控制字符(如 NUL 或终端转义符),多为从其他系统复制时带入",
            "只含文字、数字和标点的内容;可在 Excel 中用 CLEAN() 清除后重新报送",
            check="cell.control",
        )
        too_long = flags.length > limits.max_cell_chars
        if too_long.any():
            problems.add(
                frame,
                too_long,
                kind,
                header,
                raw,
                pd.Series(flags.length, index=raw.index).map(lambda n: f"单元格文字过长({n} 字)"),
                f"不超过 {limits.max_cell_chars} 字(见 params/limits.yaml)",
                check="cell.too_long",
            )


def _check_campaign_dates(
    kind: str,
    typed: pd.DataFrame,
    frame: pd.DataFrame,
    headers: dict[str, pd.Series],
    rules: Rules,
    problems: _Problems,
) -> None:
    """A visit or incident dated outside the campaign is read but not scored: a remark, so
    that a slip of the year (2018 for 2019) is seen before the briefing."""
    if kind not in ("visits", "incidents"):
        return
    camp = rules.campaign
    d = typed["date"]
    outside = ((d < pd.Timestamp(camp.start)) | (d > pd.Timestamp(camp.end))).fillna(False)
    problems.add(
        frame,
        outside.to_numpy(),
        kind,
        headers["date"],
        frame["date"],
        f"日期不在{camp.called}期内({camp.start:%Y-%m-%d} 至 {camp.end:%Y-%m-%d}),该行不计分",
        f"{camp.called}期内的日期;如年份写错请改正",
        severity=REMARK,
        check="row.outside_campaign",
    )


def _check_rows(
    kind: str,
    typed: pd.DataFrame,
    frame: pd.DataFrame,
    headers: dict[str, pd.Series],
    problems: _Problems,
) -> None:
    """Cross-column rules of the contract (status and dates agree)."""
    h = {c.name: headers[c.name] for c in SCHEMAS[kind]}
    if kind in ("screening", "backlog"):
        done = (typed["status"] == "已化解").fillna(False).to_numpy()
        open_ = (typed["status"] == "未化解").fillna(False).to_numpy()
        has_res = typed["resolved_on"].notna().to_numpy()
        problems.add(
            frame,
            done & ~has_res,
            kind,
            h["resolved_on"],
            "",
            "已化解的案件须填写化解日期",
            "化解日期",
            check="row.resolved_without_date",
        )
        problems.add(
            frame,
            open_ & has_res,
            kind,
            h["resolved_on"],
            frame["resolved_on"],
            "化解状态为未化解,却填写了化解日期",
            "未化解的案件化解日期留空",
            check="row.open_with_date",
        )
    if kind == "backlog":
        cert = typed["certified"].to_numpy(bool)
        has_cert_on = typed["certified_on"].notna().to_numpy()
        problems.add(
            frame,
            cert & ~has_cert_on,
            kind,
            h["certified_on"],
            "",
            "办公室已认定,须填写认定日期",
            "认定日期",
            check="row.certified_without_date",
        )
        problems.add(
            frame,
            ~cert & has_cert_on,
            kind,
            h["certified"],
            frame["certified"],
            "填写了认定日期,但办公室认定不是“是”",
            "认定的案件填“是”",
            check="row.date_without_certified",
        )
        problems.add(
            frame,
            cert & open_,
            kind,
            h["certified"],
            "是",
            "未化解的案件不能认定为已化解",
            "先化解、后认定",
            check="row.certified_open",
        )
        early = (typed["resolved_on"] < typed["first_petition_on"]).fillna(False).to_numpy()
        problems.add(
            frame,
            early,
            kind,
            h["resolved_on"],
            frame["resolved_on"],
            "化解日期早于初次信访日期",
            "不早于初次信访日期的日期",
            check="row.resolved_before_first",
        )
        early_cert = (typed["certified_on"] < typed["resolved_on"]).fillna(False).to_numpy()
        problems.add(
            frame,
            early_cert,
            kind,
            h["certified_on"],
            frame["certified_on"],
            "认定日期早于化解日期",
            "不早于化解日期的日期",
            check="row.certified_before_resolved",
        )
    if kind == "warnings":  # 实施方案 四(二): a warning is verified and fed back after it came
        for name, said in (("verified_at", "核查时间"), ("fed_back_at", "反馈时间")):
            early = (typed[name] < typed["pushed_at"]).fillna(False).to_numpy()
            problems.add(
                frame,
                early,
                kind,
                h[name],
                frame[name],
                f"{said}早于推送时间",
                "不早于推送时间的日期和时间",
                check="row.warning_before_pushed",
            )


def _check_form_persons(
    typed: pd.DataFrame,
    frame: pd.DataFrame,
    headers: dict[str, pd.Series],
    rules: Rules,
    problems: _Problems,
) -> None:
    """A visit whose 形式 the method defines by head count (rules.yaml form_persons) agrees
    with its 人次: 集体 with 3 persons under "集体访指 5 人以上" is refused, naming the cell."""
    persons = pd.to_numeric(typed["persons"], errors="coerce")
    for form, (lo, hi) in rules.form_persons.items():
        mine = (typed["form"].astype(object) == form).to_numpy() & persons.notna().to_numpy()
        outside = (persons < lo) | ((persons > hi) if hi is not None else False)
        bad = mine & outside.fillna(False).to_numpy()
        span = f"{lo} 人以上" if hi is None else f"{lo}—{hi} 人"
        problems.add(
            frame,
            bad,
            "visits",
            headers["form"],
            frame["form"].astype(str) + "(" + frame["persons"].astype(str) + " 人)",
            f"考核办法所称{form}为 {span},与本行人次不符",
            f"{form}为 {span};人次不符时改填形式或人次",
            check="row.form_persons",
        )


def _check_unique(
    kind: str,
    typed: pd.DataFrame,
    frame: pd.DataFrame,
    headers: dict[str, pd.Series],
    refused: np.ndarray,
    problems: _Problems,
) -> np.ndarray:
    """Ids must be unique; a backlog case repeated with identical content is merged.

    Returns the mask of rows merged into an earlier identical row (used, not kept twice).
    """
    merged = np.zeros(len(typed), dtype=bool)
    if kind == "screening":
        return merged
    key = KEYS[kind][0]
    if len(KEYS[kind]) > 1:  # the roster: a day and a post (the whole row) make the key
        key = "_key"
        parts = [typed[k].astype(str).where(typed[k].notna()) for k in KEYS[kind]]
        typed = typed.assign(_key=parts[0].str.cat(parts[1:], sep="\x1f"))
    ok = ~refused & typed[key].notna().to_numpy()
    if not typed.loc[ok, key].duplicated().any():
        return merged
    order = frame[["src_file", "src_sheet", "src_row"]].astype({"src_row": "int64"})
    idx = order[ok].sort_values(["src_file", "src_sheet", "src_row"]).index
    ids = typed.loc[idx, key]
    dup = ids.duplicated(keep="first")
    if not dup.any():
        return merged
    first_pos = ids[~dup].reset_index().set_index(key)["index"]
    dup_idx = ids[dup].index
    firsts = first_pos.loc[ids[dup].to_numpy()].to_numpy()
    content = [c for c in typed.columns if c in headers]  # the contract's and declared ones
    same = np.array(
        [
            typed.loc[a, content].equals(typed.loc[b, content])
            for a, b in zip(dup_idx, firsts, strict=True)
        ]
    )
    if kind in ("backlog", "roster"):  # the same row written twice is one row
        merged[dup_idx[same]] = True
        conflict = dup_idx[~same]
        firsts = firsts[~same]
    else:
        conflict = dup_idx
    mask = np.zeros(len(typed), dtype=bool)
    mask[conflict] = True
    where = pd.Series("", index=typed.index, dtype=object)
    where[conflict] = [
        f"编号重复:与 {frame.at[f, 'src_file']}"
        + (f"「{frame.at[f, 'src_sheet']}」" if frame.at[f, "src_sheet"] else "")
        + f" 第 {frame.at[f, 'src_row']} 行相同"
        + ("但内容不同" if kind == "backlog" else "")
        for f in firsts
    ]
    problems.add(
        frame,
        mask,
        kind,
        headers[key],
        frame[key],
        where,
        "每个编号只出现一次",
        check="rows.unique",
    )
    return merged


def _collapse_screening(df: pd.DataFrame) -> pd.DataFrame:
    """Rolling ledger: one row per (unit, case): earliest screening date, latest status.

    "Latest" is by screening date; on the same date 已化解 wins over 未化解, so the result
    does not depend on file or row order.
    """
    if df.empty:
        return pd.DataFrame(
            {c: df[c] if c in df else pd.Series(dtype=object) for c in SCREENING_COLUMNS}
        )
    ranked = df.assign(_rank=(df["status"] == "已化解").astype(int))
    ranked = ranked.sort_values(
        ["unit", "case_id", "screened_on", "_rank", "src_file", "src_row"], kind="stable"
    )
    g = ranked.groupby(["unit", "case_id"], observed=True, sort=True)
    latest = g.tail(1).set_index(["unit", "case_id"])
    out = pd.DataFrame(
        {
            "screened_on": g["screened_on"].min(),
            "last_screened_on": g["screened_on"].max(),
            "returns": g.size(),
        }
    )
    out = out.join(
        latest[["category", "status", "resolved_on", "src_file", "src_sheet", "src_row"]]
    )
    return out.reset_index()[SCREENING_COLUMNS]


def _typed_frame(kind: str, typed: pd.DataFrame, frame: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """Final dtypes: categories for units and levels, provenance columns last."""
    out = typed.copy()
    # a register of no unit (局领导接访值班表) has an empty unit, as the store keeps it
    unit = out["unit"] if "unit" in out else pd.Series(None, index=out.index, dtype=object)
    out["unit"] = pd.Categorical(unit, categories=rules.units.names)
    if "level" in out:
        out["level"] = pd.Categorical(out["level"], categories=list(rules.levels), ordered=True)
    if "form" in out:
        out["form"] = pd.Categorical(out["form"], categories=list(rules.forms))
    for col in ("status",):
        if col in out:
            out[col] = pd.Categorical(out[col], categories=["未化解", "已化解"])
    for col in PROVENANCE:
        out[col] = frame[col].to_numpy()
    out["src_file"] = out["src_file"].astype("category")
    out["src_sheet"] = out["src_sheet"].astype("category")
    out["src_row"] = out["src_row"].astype(np.int64)
    return out.reset_index(drop=True)


def check(read: ReadResult, rules: Rules, received: dt.datetime | None = None) -> Checked:
    """Validate everything that was read; return clean frames, problems and accounting.
    With ``received`` (when the files were received), a date after it is an error."""
    problems = _Problems()
    problems.add_notes(read.notes)
    problems.add_notes(
        [
            FileNote(
                u["file"],
                "",
                None,
                "",
                "",
                f"未读取:{u['reason']}",
                "",
                REMARK,
                check="file.unread",
            )
            for u in read.unread
        ]
    )
    frames: dict[str, pd.DataFrame] = {}
    screening_rows = pd.DataFrame()
    accounting: list[pd.DataFrame] = []
    for kind in KINDS:
        tables = [t for t in read.tables if t.kind == kind]
        cols = columns(kind, rules)
        _claim_declared(tables, cols)
        bad_tables = _check_headers(tables, kind, problems)
        frame, headers = _concat(tables, kind, cols)
        n_before = len(problems.parts)
        for t in tables:  # cells seen but not readable (formulas, errors): their rows
            problems.add_notes(t.row_notes, kind)
        if len(frame):
            _check_cells(frame, headers, kind, rules.limits, problems)
            typed = _parse_columns(frame, headers, kind, rules, problems)
            _check_rows(kind, typed, frame, headers, problems)
            if kind == "visits" and rules.form_persons:
                _check_form_persons(typed, frame, headers, rules, problems)
            _check_campaign_dates(kind, typed, frame, headers, rules, problems)
            _check_after_receipt(kind, typed, frame, headers, received, problems)
            bad_tables |= _check_declared_units(tables, kind, typed, frame, rules, problems)
        else:
            typed = pd.DataFrame({c.name: pd.Series(dtype=object) for c in cols})
        refused = _refused_rows(frame, problems, n_before, bad_tables)
        merged = (
            _check_unique(kind, typed, frame, headers, refused, problems) if len(frame) else refused
        )
        refused = _refused_rows(frame, problems, n_before, bad_tables)
        keep = ~refused & ~merged
        clean = _typed_frame(kind, typed[keep], frame[keep], rules)
        clean = clean.sort_values(list(CANONICAL_ORDER[kind]), kind="stable", ignore_index=True)
        if kind == "screening":
            screening_rows = clean
            clean = _collapse_screening(clean)
        frames[kind] = clean
        for t in tables:
            declared = _table_unit(t, rules)
            _check_empty(t, kind, declared, problems)
            unit = declared or _rows_unit(t, frame, typed)
            accounting.append(_account(t, frame, refused, kind, unit, declared is not None))
    _share_case_ids(frames, screening_rows)
    _check_links(frames, problems)
    accounting.append(_account_other(read))
    acc = pd.concat([a for a in accounting if len(a)] or [_account_other(ReadResult())])
    return Checked(frames, screening_rows, problems.frame(), acc.reset_index(drop=True))


def _share_case_ids(frames: dict[str, pd.DataFrame], screening_rows: pd.DataFrame) -> None:
    """One vocabulary of case ids across visits, screening and backlog (a categorical with
    the same categories everywhere), so that ledgers join on integer codes."""
    tables = [frames["visits"], frames["screening"], screening_rows, frames["backlog"]]
    ids = pd.concat([t["case_id"].astype(object) for t in tables], ignore_index=True)
    categories = pd.Index(ids.dropna().unique(), dtype=object).sort_values()
    dtype = pd.CategoricalDtype(categories)
    for t in tables:
        t["case_id"] = t["case_id"].astype(object).astype(dtype)


def _refused_rows(
    frame: pd.DataFrame, problems: _Problems, start: int, bad_tables: set[int]
) -> np.ndarray:
    """Rows (of this kind's frame) with at least one error among the problems since ``start``."""
    if not len(frame):
        return np.zeros(0, dtype=bool)
    refused = frame["_table"].isin(bad_tables).to_numpy().copy()
    new = [p for p in problems.parts[start:] if len(p) and "row" in p]
    if new:
        errs = pd.concat(new, ignore_index=True)
        errs = errs[(errs["severity"] == ERROR) & errs["row"].notna()]
        if errs.empty:
            return refused
        # vectorised: a million rows are matched by hashing, not one tuple at a time
        bad = pd.MultiIndex.from_arrays(
            [errs["file"].astype(str), errs["sheet"].astype(str), errs["row"].astype(np.int64)]
        )
        rows = pd.MultiIndex.from_arrays(
            [
                frame["src_file"].astype(str),
                frame["src_sheet"].astype(str),
                frame["src_row"].astype(np.int64),
            ]
        )
        refused |= rows.isin(bad)
    return refused


_BRACKETED = re.compile(r"[((\[【〔][^))\]】〕]*[))\]】〕]")
_LEADING_CODE = re.compile(r"^([A-Za-z]+)[_\-]")


def declared_units(t: RawTable, rules: Rules) -> dict[str, str]:
    """Where a table says whose return it is, each resolved to a unit of units.yaml:
    {"标题行": unit} for 填报单位 in its title rows, {"文件名": unit} for its file name.

    A file name declares a unit only by its leading code (``nsz_…``) or when, brackets and
    code aside, it is the unit's whole name or alias (``农水站.xlsx``): a unit named inside
    brackets or in the middle of a name (``…(抄送财务科)``) declares nothing. A title that is
    not a unit's spelling declares the one unit spelled inside it, if exactly one is."""
    lookup = rules.units.lookup()
    out: dict[str, str] = {}
    if t.unit_hint:
        written = "".join(_BRACKETED.sub("", t.unit_hint).split())
        found = lookup.get(written) or _one_spelled_in(written, lookup)
        if found:
            out["标题行"] = found
    stem = Path(t.file).stem
    code = _LEADING_CODE.match(stem)
    rest = "".join(_BRACKETED.sub("", stem[code.end() if code else 0 :]).split())
    named = (lookup.get(code.group(1)) if code else None) or lookup.get(rest)
    if named:
        out["文件名"] = named
    return out


def _one_spelled_in(text: str, lookup: dict[str, str]) -> str | None:
    units = {u for spelling, u in lookup.items()
             if len(spelling) > 1 and not spelling.isascii() and spelling in text}  # fmt: skip
    return next(iter(units)) if len(units) == 1 else None


def _table_unit(t: RawTable, rules: Rules) -> str | None:
    """The unit a table declares itself from (title row first, then file name); None for
    the office's registers, which declare none."""
    declared = declared_units(t, rules)
    return declared.get("标题行") or declared.get("文件名")


def _rows_unit(t: RawTable, frame: pd.DataFrame, typed: pd.DataFrame) -> str | None:
    """The one unit a table's rows name, if they name exactly one."""
    if "unit" not in typed or not len(frame):
        return None
    units = typed.loc[(frame["_table"] == id(t)).to_numpy(), "unit"].dropna().unique()
    return str(units[0]) if len(units) == 1 else None


def _check_declared_units(
    tables: list[RawTable],
    kind: str,
    typed: pd.DataFrame,
    frame: pd.DataFrame,
    rules: Rules,
    problems: _Problems,
) -> set[int]:
    """A return belongs to the unit its rows name. A title row or file name that declares
    another unit (a template copied from another unit, a file misnamed) is an error that
    names both and refuses the whole table, never a reason to replace that unit's rows.
    Returns the ids of the tables refused. A register of no unit (接访值班表) has none."""
    refused: set[int] = set()
    if "unit" not in typed:
        return refused
    for t in tables:
        declared = declared_units(t, rules)
        mine = (frame["_table"] == id(t)).to_numpy()
        rows = typed.loc[mine, "unit"].dropna().astype(str)
        claims = set(declared.values())
        one_unit = kind in UNIT_KINDS and t.from_file and not _consolidated(t)
        if one_unit and not claims and rows.nunique() > 1:
            counts = rows.value_counts()
            said = "、".join(f"{u}({n} 行)" for u, n in counts.items())
            problem = (
                f"一个单位的{KIND_LABELS[kind]}只能有一个责任单位,本表却有 {said};"
                "整张表未载入,以免替换其他单位的台账"
            )
            note = FileNote(t.file, t.sheet, None, "责任单位", "、".join(counts.index), problem,
                            "每个单位单独报送本单位的台账;多个单位的汇总表请在文件名中注明“汇总”",
                            check="table.one_unit")  # fmt: skip
            problems.add_notes([note], kind)
            refused.add(id(t))
            continue
        if len(claims) > 1:
            said = "、".join(f"{where}写的是「{u}」" for where, u in declared.items())
            problem = f"看不出是哪个单位的报送:{said}"
        else:
            others = sorted(set(rows) - claims) if claims else []
            if not others:
                continue
            where, unit = next(iter(declared.items()))
            at = frame.loc[mine & typed["unit"].astype(object).isin(others).to_numpy(), "src_row"]
            problem = (
                f"{where}表明是「{unit}」的报送,数据行的责任单位却是「{'、'.join(others)}」"
                f"(第 {_row_list(at)} 行);整张表未载入,以免替换「{unit}」的台账"
            )
        refused.add(id(t))
        note = FileNote(
            t.file, t.sheet, t.header_row - 1 if declared.get("标题行") else None,
            "填报单位", "、".join(f"{w}:{u}" for w, u in declared.items()), problem,
            "标题行的填报单位、文件名和每行的责任单位是同一个单位;"
            "用别的单位的模板填写时,请改正标题行的填报单位或文件名",
            check="table.declared_unit",
        )  # fmt: skip
        problems.add_notes([note], kind)
    return refused


UNIT_KINDS = ("screening", "backlog")  # each unit's own weekly return (实施方案 五、四)


def _consolidated(t: RawTable) -> bool:
    """A table the office compiled from several units (汇总 in its file or sheet name)."""
    return "汇总" in Path(t.file).stem or "汇总" in t.sheet


def _row_list(rows: pd.Series, shown: int = 5) -> str:
    values = [str(int(r)) for r in rows.head(shown)]
    return "、".join(values) + ("……" if len(rows) > shown else "")


def _check_after_receipt(
    kind: str,
    typed: pd.DataFrame,
    frame: pd.DataFrame,
    headers: dict[str, pd.Series],
    received: dt.datetime | None,
    problems: _Problems,
) -> None:
    """No date of a return lies after the moment it was received: such a date is a slip
    (2019-05-03 typed for 2019-03-05), an error in its row."""
    if received is None:
        return
    last = pd.Timestamp(received.date())
    for col in SCHEMAS[kind]:
        if col.type not in ("date", "opt_date", "moment", "opt_moment"):
            continue
        # compared by day, as dates are (a time later on the day of receipt is not refused)
        cut = last + pd.Timedelta(days=1) if col.type.endswith("moment") else last
        at = pd.to_datetime(typed[col.name])
        late = ((at >= cut) if col.type.endswith("moment") else (at > cut)).fillna(False).to_numpy()
        problems.add(
            frame, late, kind, headers[col.name], frame[col.name],
            f"日期晚于收到这份台账的时间({received:%Y-%m-%d %H:%M}),多为日期写错",
            f"不晚于 {received:%Y-%m-%d} 的日期;如月、日颠倒请改正",
            check="row.after_receipt",
        )  # fmt: skip


def _check_empty(t: RawTable, kind: str, unit: str | None, problems: _Problems) -> None:
    """A sheet without rows is a zero return (零报告) only if it says so, and a zero return
    must say whose it is; a sheet that says so and has rows is read as the rows say."""
    if not t.from_file:
        return

    def note(column: str, value: str, problem: str, expected: str, severity: str = ERROR):
        found = FileNote(t.file, t.sheet, t.header_row, column, value, problem, expected,
                         severity, check="table.zero_return")  # fmt: skip
        problems.add_notes([found], kind=kind)

    if len(t.frame) == 0 and not t.zero:
        note(
            "零报告", "", f"{KIND_LABELS[kind]}没有数据行,也没有注明零报告",
            "填写数据行;本单位没有此类案件时,在标题行的「零报告」后填「是」",
        )  # fmt: skip
    elif len(t.frame) == 0 and unit is None and kind in UNIT_KINDS:
        note(
            "填报单位", "", "注明了零报告,但看不出是哪个单位报送的",
            "标题行写「填报单位:单位名称」,或文件名以单位代码开头(如 nsz_农水站.xlsx)",
        )  # fmt: skip
    elif len(t.frame) and t.zero:
        note("零报告", "是", f"注明了零报告,却有 {len(t.frame)} 行数据;以数据为准", "", REMARK)


def _account(
    t: RawTable,
    frame: pd.DataFrame,
    refused: np.ndarray,
    kind: str,
    unit: str | None,
    declared: bool = False,
) -> pd.DataFrame:
    mine = (frame["_table"] == id(t)).to_numpy()
    n_ref = int((refused & mine).sum())
    return pd.DataFrame(
        [
            {
                "file": t.file,
                "sheet": t.sheet,
                "kind": KIND_LABELS[kind],
                "rows_read": int(mine.sum()),
                "rows_used": int(mine.sum()) - n_ref,
                "rows_refused": n_ref,
                "note": ";".join(
                    (["整张表拒收"] if n_ref and n_ref == int(mine.sum()) else []) + t.remarks
                ),
                "unit": unit,
                "zero": bool(t.zero and not mine.any()),
                "declared": declared,
            }
        ]
    )


def _account_other(read: ReadResult) -> pd.DataFrame:
    """Accounting rows for everything that gave no table: sheets without rows (空表,
    填表说明), files refused before any row was read, and files that are not ledgers."""
    rows = [
        {"file": s["file"], "sheet": s["sheet"], "kind": "", "note": s["reason"]}
        for s in read.skipped
    ]
    with_tables = {t.file for t in read.tables}
    for f in read.files:
        if f["file"] not in with_tables:
            why = next((n.problem for n in read.notes if n.file == f["file"]), "")
            if why or not any(s["file"] == f["file"] for s in read.skipped):
                rows.append({"file": f["file"], "sheet": "", "kind": "", "note": why})
    rows += [
        {"file": u["file"], "sheet": "", "kind": "未读取", "note": u["reason"]} for u in read.unread
    ]
    df = pd.DataFrame(rows, columns=["file", "sheet", "kind", "note"])
    for col in ("rows_read", "rows_used", "rows_refused"):
        df[col] = 0
    df["unit"] = None
    df["zero"] = False
    df["declared"] = False
    return df[ACCOUNTING_COLUMNS]


def _check_links(frames: dict[str, pd.DataFrame], problems: _Problems) -> None:
    """An incident's linked visit should exist (a remark, the incident still counts)."""
    inc = frames["incidents"]
    if inc.empty:
        return
    linked = inc["visit_id"].notna()
    missing = (linked & ~inc["visit_id"].isin(frames["visits"]["visit_id"])).to_numpy()
    problems.add(
        inc.assign(src_file=inc["src_file"].astype(str)),
        missing,
        "incidents",
        "关联走访编号",
        inc["visit_id"].astype(object).fillna(""),
        "关联的走访编号在走访登记中找不到",
        "走访登记中已有的编号",
        severity=REMARK,
        check="rows.link",
    )
