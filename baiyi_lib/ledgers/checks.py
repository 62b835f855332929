"""The declared checks of the ledger contract (ledgers/schema.py), one record each.

Every problem the loader reports carries the id of the check that found it (the ``check``
column of the problem table), so that a person, a script or a test can refer to a check
whatever the wording of its Chinese message. Column checks follow from each column's
declared type in ``schema.SCHEMAS`` (``cell.<type>``); the others are listed here.

A check's record says how severe its problem is (错误 refuses the row, the table or the
file; 提示 refuses nothing) and, where the wording is fixed, the message and the expected
text, as templates (``str.format`` fields) filled by the code that finds the problem. The
code never spells a severity: it takes its check's. Checks of one row's columns against
each other are declared here too, as rules (``ROW_RULES``), applied by ``rowchecks``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Severity(Enum):
    """How severe a problem is, as the problem table says it."""

    ERROR = "错误"  # the row (or table, or file) is refused
    REMARK = "提示"  # said; nothing is refused


# the severities as the problem table spells them (its ``severity`` column holds text)
ERROR = Severity.ERROR.value
REMARK = Severity.REMARK.value


@dataclass(frozen=True)
class Check:
    """One declared check: its id, severity, what it checks (Chinese), and where fixed the
    message and expected text of the problem it reports (templates, ``str.format``)."""

    id: str
    severity: Severity
    description: str
    message: str = ""  # "" where the code words the problem (per cell, per case)
    expected: str = ""
    # a check of severity 错误 that is only a remark in one case: that case, in words
    remark_when: str = ""

    def say(self, **fields: object) -> str:
        """The message, its fields filled."""
        assert self.message, f"{self.id} has no fixed message"
        return self.message.format(**fields)

    def expect(self, **fields: object) -> str:
        """The expected text, its fields filled."""
        return self.expected.format(**fields)


E, R = Severity.ERROR, Severity.REMARK

_DECLARED = (
    # a file as a whole, before any row is parsed
    Check("file.refused", E,
          "文件大小、工作表范围、行列数在 params/limits.yaml 的限度内;没有打开密码"),
    Check("file.damaged", E, "文件能打开(不是损坏的 Excel 文件)"),
    Check("file.format", E, "文件是台账格式(CSV、xlsx、xlsm、xls、xlsb、ods、et)"),
    Check("file.encoding", E, "CSV 为 UTF-8 或 GB18030 编码"),
    Check("file.csv_syntax", E, "CSV 能逐行解析"),
    Check("file.too_many_rows", E, "行数不超过限度"),
    Check("file.too_many_columns", E, "列数不超过限度"),
    Check("file.empty", E, "文件中有台账数据"),
    Check("file.unread", R, "文件夹中不是台账的文件(提示,未读取)", message="未读取:{reason}"),
    Check("table.kind", E, "能识别台账类型(文件名、工作表名或表头)"),
    Check("table.required_columns", E, "必填列齐全"),
    Check(
        "table.duplicate_header", E, "同一列只出现一次",
        message="表头「{label}」出现 {n} 次({written}),无法确定以哪一列为准;整张表未载入",
        expected="只保留一列「{label}」",
    ),
    Check(
        "table.personal_header", E, "没有记录个人信息的列(姓名、电话、身份证号等)",
        message="该列记录个人信息,台账只记案件编号和人次,不得记录信访人信息;整张表未载入",
        expected="删除该列后重新报送",
    ),
    Check(
        "table.zero_return", E, "零报告行与数据行不矛盾",
        remark_when="注明了零报告却有数据行:以数据为准",
    ),
    Check(
        "table.declared_unit", E, "标题行的填报单位、文件名与数据行的责任单位是同一个单位",
        expected="标题行的填报单位、文件名和每行的责任单位是同一个单位;"
        "用别的单位的模板填写时,请改正标题行的填报单位或文件名",
    ),
    Check(
        "table.unitless_declared", R, "不属于单位的登记表(局领导接访值班表)不写填报单位",
        message="{label}是局里的,不属于哪个单位;{where}写的「{unit}」不起作用:本表按整张"
        "{label}读取,替换台账库中的{label}",
        expected="只报送局领导的接访值班表;单位自己的带班表不用报送",
    ),
    Check(
        "table.one_unit", E, "一个单位的排查登记表、积案台账只有本单位的行(汇总表除外)",
        message="一个单位的{label}只能有一个责任单位,本表却有 {said};"
        "整张表未载入,以免替换其他单位的台账",
        expected="每个单位单独报送本单位的台账;多个单位的汇总表请在文件名中注明“汇总”",
    ),
    Check(
        "text.personal", E, "单元格、批注和标题中没有个人信息(手机号、身份证号等)",
        message="单元格含{what},台账不得记录个人信息",
        expected="删除个人信息,只填案件编号和人次",
    ),
    Check(
        "cell.control", E, "单元格不含控制字符",
        message="单元格含控制字符(如 NUL 或终端转义符),多为从其他系统复制时带入",
        expected="只含文字、数字和标点的内容;可在 Excel 中用 CLEAN() 清除后重新报送",
    ),
    Check(
        "cell.too_long", E, "单元格文字不超过限度",
        message="单元格文字过长({n} 字)",
        expected="不超过 {max_chars} 字(见 params/limits.yaml)",
    ),
    Check("cell.formula", E, "公式单元格保存了计算结果(程序生成、从未计算的公式不当作空白)"),
    Check("cell.long_number", E, "编号不是超过 15 位的数字单元格(Excel 会丢掉末尾的数字)"),
    Check("cell.error_value", E, "单元格不是 Excel 错误值(#REF!、#N/A、#DIV/0! 等)"),
    Check(
        "table.extra_column", R, "台账以外的列(如 备注)不读取,并说明(提示)",
        message="「{header}」不是{label}的列,未读取({n} 行填了内容)",
        expected="不需要改动;需要说明的情况请另行报告(台账只读模板上的列)",
    ),
    Check(
        "table.total_row", R, "合计、小计行不是数据(提示:不读取)",
        message="合计行,不是一条记录,未作为数据读取",
    ),
    # one per declared column type (schema.Column.type); column types that accept any
    # value (opt_id, text) have no check of their own. The expected text is the column's
    # (cells.expected_text); the message says why each cell is refused.
    Check("cell.id", E, "编号非空"),
    Check("cell.date", E, "日期可识别,且在限度内"),
    Check("cell.opt_date", E, "日期可识别或留空"),
    Check("cell.unit", E, "单位在 params/units.yaml 中"),
    Check("cell.level", E, "走访层级在 params/rules.yaml 的 levels 中"),
    Check("cell.form", E, "走访形式在 params/rules.yaml 的 forms 中"),
    Check("cell.persons", E, "人次为 1 到上限的整数"),
    Check("cell.bool", E, "是/否"),
    Check("cell.status", E, "化解状态为 未化解 或 已化解"),
    Check("cell.category", E, "事件类别为考核办法所列类别"),
    Check("cell.dispute", E, "纠纷类别为 params/ledgers.yaml 所列类别(或“其他”),不是一段话"),
    Check(
        "cell.prose", E,
        "编号是代号(含数字,汉字和长度有限),不是一段话,不含人名;原文不显示",
        message="不像编号,像是一句话或含人名:编号含数字,不超过 {max_chars} 字,汉字不超过"
        " {max_han} 个;以姓氏开头的汉字只能是单位名称或 params/ledgers.yaml ids.words 所列的"
        "地名、文号用字;原文未显示。如是地名(如村名),请行动办公室把它加入 ids.words",
    ),
    Check("cell.opt_bool", E, "是/否,或留空(没有记录)"),
    Check("row.warning_before_pushed", E, "预警的核查、反馈时间不早于推送时间"),
    Check("row.head_before_visit", E, "主要负责人到场日期不早于走访日期"),
    Check("cell.moment", E, "日期和时间可识别(含几点几分),且在限度内"),
    Check("cell.opt_moment", E, "日期和时间可识别(含几点几分),或留空"),
    Check("cell.outcome", E, "处置结果为 params/ledgers.yaml 所列类别"),
    Check(
        "cell.post", E,
        "包案领导、接访领导、接待领导为 params/ledgers.yaml 所列职务,不是姓名;原文不显示",
        message="不是职务表中的写法:{header}只填一个职务(如 分管副局长),不写姓名{rows};原文未显示",
    ),
    # across the columns of a row (the row rules below word their own problems), and
    # across rows
    Check(
        "row.outside_campaign", R,
        "走访、事件、值班、预警推送日期在行动期内(提示:期外的行不计分、不核对)",
        message="日期不在{called}期内({start:%Y-%m-%d} 至 {end:%Y-%m-%d}),该行不计分、不核对",
        expected="{called}期内的日期;如年份写错请改正",
    ),
    Check("row.resolved_without_date", E, "已化解的案件有化解日期"),
    Check("row.open_with_date", E, "未化解的案件没有化解日期"),
    Check("row.certified_without_date", E, "已认定的积案有认定日期"),
    Check("row.date_without_certified", E, "有认定日期的积案已认定"),
    Check("row.certified_open", E, "未化解的积案不能认定"),
    Check("row.resolved_before_first", E, "化解日期不早于初次信访日期"),
    Check("row.certified_before_resolved", E, "认定日期不早于化解日期"),
    Check(
        "row.after_receipt", E, "日期不晚于收到台账的时间",
        message="日期晚于收到这份台账的时间({received:%Y-%m-%d %H:%M}),多为日期写错",
        expected="不晚于 {received:%Y-%m-%d} 的日期;如月、日颠倒请改正",
    ),
    Check(
        "row.form_persons", E, "走访形式与人次相符(考核办法按人数定义的形式,如集体访 5 人以上)",
        message="考核办法所称{form}为 {span},与本行人次不符",
        expected="{form}为 {span};人次不符时改填形式或人次",
    ),
    Check(
        "rows.unique", E, "编号(或排查台账的单位+案件+日期)不重复",
        message="编号重复:与 {file}{sheet} 第 {row} 行相同{differs}",
        expected="每个编号只出现一次",
    ),
    Check(
        "rows.merged", R, "同一行写了两遍(积案台账、值班表):按一行计,并说明(提示)",
        message="与 {file}{sheet} 第 {row} 行完全相同,按一行计",
        expected="同一行只写一次",
    ),
    Check(
        "rows.link", R, "台账之间的引用一致",
        message="关联的走访编号在走访登记中找不到",
        expected="走访登记中已有的编号",
    ),
    # against the store, when a batch is ingested
    Check(
        "rows.other_unit", E, "一个单位的报送不改动台账库中其他单位的案件",
        message="案件「{case}」在台账库中是「{owner}」的案件;"
        "一个单位的报送不能改动其他单位的案件,整批未载入",
        expected="本单位的案件编号;案件确已移交的,先由原单位在其台账中去掉,再由新单位报送",
    ),
    Check(
        "rows.mass_deletion", E,
        "登记表不比台账库少太多行(只发一部分时注明补报,确要删除时 --replace)",
        message="这份登记表比台账库中少了 {n} 行(台账库现有 {live} 行),整批未载入:"
        "登记表每次应报送全部记录,少了的行会被删除",
        expected="报送完整的登记表;只报送部分行时文件名加“补报”;确要删除这些行时加 --replace",
    ),
    Check(
        "rows.unnamed_mass_deletion", E,
        "没写明单位的报送不比台账库中该单位的行少太多(确要删除时 --replace)",
        message="这份{kind}的文件名和标题行都没有写明是哪个单位的,按其中的行当作「{unit}」的"
        "全部报送,会删除「{unit}」在台账库中 {live} 行里的 {n} 行,整批未载入:多半只是一部分,"
        "或是别的单位的文件",
        expected="标题行写「填报单位:单位名称」(或文件名以单位代码开头,如 nsz_农水站.xlsx),"
        "报送本单位完整的台账;只报送部分行时文件名加“补报”;确要删除这些行时加 --replace",
    ),
    Check(
        "rows.emptied_register", E,
        "没有数据行的登记表(零报告)不清空台账库中已有的记录(确要清空时 --replace)",
        message="这份登记表没有数据行(零报告),台账库中却已有 {live} 行:登记表每次报送全部"
        "记录,载入它会删除这 {n} 行,整批未载入",
        expected="本周没有新增时报送完整的登记表(或不报送这张表);确要清空时加 --replace",
    ),
)  # fmt: skip

# id → its check, in the order declared
CHECKS: dict[str, Check] = {c.id: c for c in _DECLARED}
assert len(CHECKS) == len(_DECLARED), "a check id declared twice"


@dataclass(frozen=True)
class RowRule:
    """A check of one row's columns against each other: a problem where ``a`` stands in
    ``relation`` to ``b`` (``rowchecks.RELATIONS``), reported at column ``a`` in the
    ledgers ``kinds``. The value shown is ``a`` as written, or ``shown`` when given (a
    blank cell is shown as "")."""

    check: str
    kinds: tuple[str, ...]
    a: str
    relation: str
    b: str
    message: str
    expected: str
    shown: str | None = None


_RETURNS = ("screening", "backlog")

# in the order they are reported (a row with two problems in one column lists them so)
ROW_RULES: tuple[RowRule, ...] = (
    RowRule("row.resolved_without_date", _RETURNS, "resolved_on", "blank_while_resolved",
            "status", "已化解的案件须填写化解日期", "化解日期", shown=""),
    RowRule("row.open_with_date", _RETURNS, "resolved_on", "filled_while_open", "status",
            "化解状态为未化解,却填写了化解日期", "未化解的案件化解日期留空"),
    RowRule("row.certified_without_date", ("backlog",), "certified_on", "blank_while_yes",
            "certified", "办公室已认定,须填写认定日期", "认定日期", shown=""),
    RowRule("row.date_without_certified", ("backlog",), "certified", "not_yes_while_filled",
            "certified_on", "填写了认定日期,但办公室认定不是“是”", "认定的案件填“是”"),
    RowRule("row.certified_open", ("backlog",), "certified", "yes_while_open", "status",
            "未化解的案件不能认定为已化解", "先化解、后认定", shown="是"),
    RowRule("row.resolved_before_first", ("backlog",), "resolved_on", "before",
            "first_petition_on", "化解日期早于初次信访日期", "不早于初次信访日期的日期"),
    RowRule("row.certified_before_resolved", ("backlog",), "certified_on", "before",
            "resolved_on", "认定日期早于化解日期", "不早于化解日期的日期"),
    # 实施方案 四(二): a warning is verified and fed back after it came
    RowRule("row.warning_before_pushed", ("warnings",), "verified_at", "before", "pushed_at",
            "核查时间早于推送时间", "不早于推送时间的日期和时间"),
    RowRule("row.warning_before_pushed", ("warnings",), "fed_back_at", "before", "pushed_at",
            "反馈时间早于推送时间", "不早于推送时间的日期和时间"),
    # 实施方案 四(三): the head reached the scene of a visit on or after its day
    RowRule("row.head_before_visit", ("visits",), "head_present_on", "before", "date",
            "到场日期早于走访日期", "不早于走访日期的日期"),
)  # fmt: skip
assert all(r.check in CHECKS for r in ROW_RULES)
