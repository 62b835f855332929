"""Whose return a table is: the unit its title rows or file name declare, which must be the
unit its rows name; a one-unit return holds one unit; an empty sheet is a zero return only
if it says so, and says whose."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ..params import Rules
from .problems import Problems
from .raw import REMARK, RawTable, note
from .schema import KIND_LABELS

UNIT_KINDS = ("screening", "backlog")  # each unit's own weekly return (实施方案 五、四)
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


def table_unit(t: RawTable, rules: Rules) -> str | None:
    """The unit a table declares itself from (title row first, then file name); None for
    the office's registers, which declare none."""
    declared = declared_units(t, rules)
    return declared.get("标题行") or declared.get("文件名")


def rows_unit(t: RawTable, frame: pd.DataFrame, typed: pd.DataFrame) -> str | None:
    """The one unit a table's rows name, if they name exactly one."""
    if "unit" not in typed or not len(frame):
        return None
    units = typed.loc[(frame["_table"] == id(t)).to_numpy(), "unit"].dropna().unique()
    return str(units[0]) if len(units) == 1 else None


def check_declared_units(
    tables: list[RawTable],
    kind: str,
    typed: pd.DataFrame,
    frame: pd.DataFrame,
    rules: Rules,
    problems: Problems,
) -> set[int]:
    """A return belongs to the unit its rows name. A title row or file name that declares
    another unit (a template copied from another unit, a file misnamed) is an error that
    names both and refuses the whole table, never a reason to replace that unit's rows.
    Returns the ids of the tables refused. A register of no unit (接访值班表) has none."""
    refused: set[int] = set()
    if "unit" not in typed:  # a register of no unit: a unit it names is said, not obeyed
        for t in tables:
            for where, unit in declared_units(t, rules).items():
                said = note(
                    "table.unitless_declared", t.file, t.sheet, None, "填报单位",
                    f"{where}:{unit}", label=KIND_LABELS[kind], where=where, unit=unit,
                )  # fmt: skip
                problems.add_notes([said], kind)
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
            mixed = note("table.one_unit", t.file, t.sheet, None, "责任单位",
                         "、".join(counts.index), label=KIND_LABELS[kind], said=said)  # fmt: skip
            problems.add_notes([mixed], kind)
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
        other = note(
            "table.declared_unit", t.file, t.sheet,
            t.header_row - 1 if declared.get("标题行") else None,
            "填报单位", "、".join(f"{w}:{u}" for w, u in declared.items()), problem=problem,
        )  # fmt: skip
        problems.add_notes([other], kind)
    return refused


def _consolidated(t: RawTable) -> bool:
    """A table the office compiled from several units (汇总 in its file or sheet name)."""
    return "汇总" in Path(t.file).stem or "汇总" in t.sheet


def _row_list(rows: pd.Series, shown: int = 5) -> str:
    values = [str(int(r)) for r in rows.head(shown)]
    return "、".join(values) + ("……" if len(rows) > shown else "")


def check_empty(t: RawTable, kind: str, unit: str | None, problems: Problems) -> None:
    """A sheet without rows is a zero return (零报告) only if it says so, and a zero return
    must say whose it is; a sheet that says so and has rows is read as the rows say."""
    if not t.from_file:
        return

    def zero(value: str, problem: str, expected: str, severity: str = ""):
        # a zero return is said of the sheet as a whole (its mark stands in the title
        # rows, whichever row): the file and the sheet, never the header row's number
        found = note("table.zero_return", t.file, t.sheet, None, "标题行" if value else "",
                     value, problem=problem, expected=expected, severity=severity)  # fmt: skip
        problems.add_notes([found], kind=kind)

    if len(t.frame) == 0 and not t.zero:
        zero(
            "", f"这张{KIND_LABELS[kind]}没有数据行,也没有注明零报告",
            "填写数据行;本单位没有此类案件时,在标题行的「零报告」后填「是」",
        )  # fmt: skip
    elif len(t.frame) == 0 and unit is None and kind in UNIT_KINDS:
        zero(
            "零报告:是", "注明了零报告,但看不出是哪个单位报送的",
            "标题行写「填报单位:单位名称」,或文件名以单位代码开头(如 nsz_农水站.xlsx)",
        )  # fmt: skip
    elif len(t.frame) and t.zero:
        # the one case of the check that is only a remark (checks: remark_when)
        zero(
            "零报告:是", f"注明了零报告,却有 {len(t.frame)} 行数据;以数据为准",
            "有数据行时,标题行的「零报告」填「否」或留空", REMARK,
        )  # fmt: skip
