"""The ledger contract as data (told to the clerk in docs/使用说明.md): kinds, columns,
headers, vocabularies.

Four ledgers (台账): visits 走访登记, incidents 敏感事件, screening 矛盾纠纷排查化解登记表,
backlog 信访积案. Canonical headers are Chinese; English names are accepted too and are the
column names inside the library.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from ..errors import ParamsError
from ..params import Rules

KINDS = ("visits", "incidents", "screening", "backlog", "warnings", "roster")

KIND_LABELS = {
    "visits": "走访登记",
    "incidents": "敏感事件",
    "screening": "矛盾纠纷排查化解登记表",
    "backlog": "信访积案",
    "warnings": "预警信息",
    "roster": "局领导接访值班表",
}

# Words in a file or sheet name that tell its kind (checked in this order).
KIND_KEYWORDS: dict[str, tuple[str, ...]] = {
    "roster": ("接访值班", "值班表", "带班表", "roster"),
    "incidents": ("敏感事件", "事件", "incident"),
    "screening": ("矛盾纠纷", "排查", "screening"),
    "backlog": ("积案", "backlog"),
    "warnings": ("预警信息", "预警台账", "warning"),
    "visits": ("走访", "来访", "visit"),
}

# Sheet names that hold filling instructions or dropdown lists, not rows.
INSTRUCTION_SHEET_WORDS = ("说明", "填表", "选项", "instructions", "readme")


@dataclass(frozen=True)
class Column:
    """One ledger column: English name, canonical Chinese header, accepted spellings."""

    name: str
    header: str
    # id, opt_id, date, opt_date, unit, level, form, persons, bool, status, category, dispute
    type: str
    required: bool = True
    aliases: tuple[str, ...] = ()
    dates: str = "event"  # which range of limits.yaml a date column obeys

    @property
    def expected(self) -> str:
        """What a valid value looks like, in Chinese, for error messages."""
        text = EXPECTED[self.type]
        return text + ";没有的留空" if self.type == "post" and not self.required else text


EXPECTED = {
    "id": "非空的编号",
    "opt_id": "编号,可为空",
    "date": "日期,如 2019-03-05、2019/3/5、2019.3.5、2019年3月5日",
    "opt_date": "日期(如 2019-03-05),或留空",
    "unit": "单位名称或简称(见 params/units.yaml)",
    "level": "走访层级之一(见 params/rules.yaml 的 levels)",
    "form": "走访形式之一(见 params/rules.yaml 的 forms)",
    "persons": "不小于 1 的整数人次,如 3 或 3人",
    "bool": "是 或 否(也可写 Y/N、1/0;空白为否)",
    "status": "未化解 或 已化解",
    "category": "考核办法列明的事件类别之一",
    "dispute": "纠纷类别之一(见 params/ledgers.yaml;其他类别填“其他”),不写当事人和经过",
    "opt_bool": "是 或 否;没有记录的留空(留空不算“否”)",
    "moment": "日期和时间,如 2019-03-05 14:30、2019年3月5日14时30分",
    "opt_moment": "日期和时间(如 2019-03-05 14:30),还没有的留空",
    "outcome": "处置结果之一(见 params/ledgers.yaml 的 warning_outcomes),不写当事人和经过",
    "post": "领导的职务(见 params/ledgers.yaml 的 posts,如 分管副局长),不写姓名",
}

SCHEMAS: dict[str, tuple[Column, ...]] = {
    "visits": (
        Column("visit_id", "编号", "id", aliases=("走访编号", "序号编号")),
        Column("date", "日期", "date", aliases=("走访日期", "来访日期")),
        Column("unit", "责任单位", "unit", aliases=("单位",)),
        Column("level", "走访层级", "level", aliases=("层级", "走访级别")),
        Column("form", "走访形式", "form", aliases=("形式",)),
        Column("persons", "人次", "persons", aliases=("人数", "走访人次")),
        Column("irregular", "非访", "bool", required=False, aliases=("是否非访",)),
        Column("case_id", "案件编号", "opt_id", required=False, aliases=("案件号",)),
        Column(
            "dissatisfied",
            "不满初次办理",
            "bool",
            required=False,
            aliases=("不满初次办理结果", "是否不满初次办理"),
        ),
        Column("internal_staff", "内部人员", "bool", required=False, aliases=("是否内部人员",)),
        # 实施方案 四(三): the head of the unit receives a 去省/进京 visit on the scene
        Column(
            "head_present",
            "主要负责人到场",
            "opt_bool",
            required=False,
            aliases=("主要负责人是否到场", "主要负责人到场接访"),
        ),
        Column("head_present_on", "到场日期", "opt_date", required=False, aliases=("到场时间",)),
        # 实施方案 四(一): a visit received at the bureau (where a leader receives every day)
        Column(
            "at_bureau", "来局走访", "opt_bool", required=False, aliases=("是否来局", "到局走访")
        ),
        # 实施方案 四(一): the post of the leader who received the visit (never a name)
        Column(
            "received_by",
            "接待领导",
            "post",
            required=False,
            aliases=("接待领导职务", "接待局领导", "接待领导(职务)"),
        ),
    ),
    "incidents": (
        Column("incident_id", "编号", "id", aliases=("事件编号",)),
        Column("date", "日期", "date", aliases=("发生日期", "事件日期")),
        Column("unit", "责任单位", "unit", aliases=("单位",)),
        Column("level", "走访层级", "level", aliases=("层级",)),
        Column("category", "事件类别", "category", aliases=("类别", "事件类型")),
        Column("visit_id", "关联走访编号", "opt_id", required=False, aliases=("走访编号",)),
    ),
    "screening": (
        Column("case_id", "案件编号", "id", aliases=("案件号", "编号")),
        Column("unit", "责任单位", "unit", aliases=("单位",)),
        Column("screened_on", "排查日期", "date"),
        Column("category", "纠纷类别", "dispute", required=False, aliases=("类别", "纠纷类型")),
        Column("status", "化解状态", "status", aliases=("状态",)),
        Column("resolved_on", "化解日期", "opt_date", required=False),
    ),
    "backlog": (
        Column("case_id", "案件编号", "id", aliases=("案件号", "编号")),
        Column("unit", "责任单位", "unit", aliases=("单位",)),
        Column(
            "first_petition_on",
            "初次信访日期",
            "date",
            aliases=("首次信访日期",),
            dates="first_petition",
        ),
        Column("status", "化解状态", "status", aliases=("状态",)),
        Column("resolved_on", "化解日期", "opt_date", required=False),
        Column("certified", "办公室认定", "bool", required=False, aliases=("是否认定",)),
        Column("certified_on", "认定日期", "opt_date", required=False),
        # 实施方案 四(三): 领导包案 (a post, never a name) and the three meetings of each case
        Column(
            "lead_post",
            "包案领导",
            "post",
            required=False,
            aliases=("包案领导职务", "包案领导(职务)"),
        ),
        Column("consulted_on", "会商日期", "opt_date", required=False, aliases=("会商时间",)),
        Column("reviewed_on", "评议日期", "opt_date", required=False, aliases=("评议时间",)),
        Column("heard_on", "听证日期", "opt_date", required=False, aliases=("听证时间",)),
    ),
}

# 预警信息 (实施方案 四(二)): warnings pushed down to the campaign office and the unit they
# were passed to; the office's register, by warning id, never a person
SCHEMAS["warnings"] = (
    Column("warning_id", "预警编号", "id", aliases=("编号", "预警信息编号")),
    Column("unit", "责任单位", "unit", aliases=("交办单位", "单位")),
    Column("level", "风险层级", "level", aliases=("走访层级", "层级", "可能去向")),
    Column("important", "重要信息", "bool", required=False, aliases=("是否重要", "重要")),
    Column("pushed_at", "推送时间", "moment", aliases=("收到时间", "推送日期")),
    Column("verified_at", "核查时间", "opt_moment", required=False, aliases=("核查完成时间",)),
    Column("fed_back_at", "反馈时间", "opt_moment", required=False, aliases=("反馈上级时间",)),
    Column("outcome", "处置结果", "outcome", required=False, aliases=("结果",)),
)

# 局领导接访值班表 (实施方案 四(一)): which post of the bureau's leaders received visitors at
# the bureau on each day; the office's register, by post, never a name. It belongs to no
# unit: the store keeps its unit empty (UNITLESS).
SCHEMAS["roster"] = (
    Column("date", "日期", "date", aliases=("值班日期", "接访日期")),
    Column(
        "lead_post",
        "接访领导",
        "post",
        aliases=(
            "值班领导",
            "带班领导",
            "接访领导职务",
            "接访领导(职务)",
            "值班领导职务",
            "接访局领导",
            "值班局领导",
            "接访局领导职务",
            "局领导",
            "领导职务",
        ),
    ),
)
UNITLESS = frozenset(k for k, cols in SCHEMAS.items() if not any(c.type == "unit" for c in cols))

# The unique key of each ledger (screening is rolling: many rows per case).
KEYS = {
    "visits": ("visit_id",),
    "incidents": ("incident_id",),
    "screening": ("unit", "case_id", "screened_on"),
    "backlog": ("case_id",),
    "warnings": ("warning_id",),
    "roster": ("date", "lead_post"),
}

# Levels and forms, with their spellings, are the rules' vocabulary (params/rules.yaml).
STATUS_ALIASES = {
    "未化解": ("未化解", "化解中", "正在化解", "未结"),
    "已化解": ("已化解", "已结", "已结案", "已办结"),
}
YES = ("是", "Y", "YES", "1", "TRUE", "√", "✓", "✔", "对")
NO = ("否", "N", "NO", "0", "FALSE", "×", "✗", "无")

_PAREN = re.compile(r"[((\[【].*?[))\]】]")
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")


def normalise_header(text: object) -> str:
    """A header as compared: NFKC, no spaces, no '*' marks, no parenthesised hint."""
    return _normalise_header(str(text))


@functools.lru_cache(maxsize=8192)
def _normalise_header(text: str) -> str:
    s = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
    s = _PAREN.sub("", s)
    return "".join(ch for ch in s if not ch.isspace() and ch not in "*::").lower()


def headers(kind: str) -> list[str]:
    """The canonical Chinese headers of a ledger, in order (templates, samples)."""
    return [c.header for c in SCHEMAS[kind]]


def columns(kind: str, rules: Rules | None = None) -> tuple[Column, ...]:
    """A ledger's columns: the contract's (``SCHEMAS``) and the yes/no columns the method
    declares for it (rules.yaml ``columns``: 已预警…), optional, blank reading 否.

    Raises ParamsError when a declared column takes a name, header or spelling the
    ledger already has (one header must mean one column)."""
    own = SCHEMAS[kind]
    if rules is None or not rules.columns:
        return own
    taken = header_lookup(kind)
    out = list(own)
    where = rules.source.name if rules.source else "rules.yaml"
    for col in rules.declared(kind):
        if col.key in RESERVED:  # a name the ledgers or the store already use
            raise ParamsError(
                f"{where}: columns.{col.key}: 列名「{col.key}」已被台账使用,请换一个"
                "(如 warned、returned)"
            )
        for spelling in (col.key, col.header, *col.aliases):
            hit = taken.get(normalise_header(spelling))
            if hit is not None:
                raise ParamsError(
                    f"{where}: columns.{col.key}: 「{spelling}」已是{KIND_LABELS[kind]}"
                    f"的列「{_header_of(kind, hit, out)}」的写法,请换一个表头"
                )
            taken[normalise_header(spelling)] = col.key
        out.append(Column(col.key, col.header, "bool", required=False, aliases=col.aliases))
    return tuple(out)


# Names a declared column may not take: every ledger's own columns, provenance, the store's
RESERVED = frozenset(
    {c.name for cols in SCHEMAS.values() for c in cols}
    | {"src_file", "src_sheet", "src_row", "declared", "row_key", "content", "received"}
)


def check_declared(rules: Rules) -> None:
    """Every declared column of the method can be read (ParamsError otherwise): for the
    commands that read no ledger (rules, template) to refuse what the others refuse."""
    for kind in KINDS:
        columns(kind, rules)


def _header_of(kind: str, name: str, cols: list[Column]) -> str:
    return next((c.header for c in cols if c.name == name), name)


def header_lookup(kind: str) -> dict[str, str]:
    """Accepted header spelling (normalised) → English column name, for one kind (a
    fresh dict: the caller may add to it)."""
    return dict(_header_lookup(kind))


@functools.cache
def _header_lookup(kind: str) -> dict[str, str]:
    table: dict[str, str] = {}
    for col in SCHEMAS[kind]:
        for spelling in (col.header, col.name, *col.aliases):
            table.setdefault(normalise_header(spelling), col.name)
    return table


def kind_from_name(name: str) -> str | None:
    """The ledger kind a file or sheet name announces, if any."""
    low = name.lower()
    for kind, words in KIND_KEYWORDS.items():
        if any(w in low for w in words):
            return kind
    return None
