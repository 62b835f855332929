"""The declared checks of the ledger contract (ledger-format.md), one id each.

Every problem the loader reports carries the id of the check that found it (the ``check``
column of the problem table), so that a person, a script or a test can refer to a check
whatever the wording of its Chinese message. Column checks follow from each column's
declared type in ``schema.SCHEMAS`` (``cell.<type>``); the others are listed here.
"""

from __future__ import annotations

# id → what is checked, in Chinese. Column types that accept any value (opt_id, text) have
# no check of their own.
CHECKS: dict[str, str] = {
    # a file as a whole, before any row is parsed
    "file.refused": "文件大小、工作表范围、行列数在 params/limits.yaml 的限度内;没有打开密码",
    "file.damaged": "文件能打开(不是损坏的 Excel 文件)",
    "file.format": "文件是台账格式(CSV、xlsx、xlsm、xls、xlsb、ods、et)",
    "file.encoding": "CSV 为 UTF-8 或 GB18030 编码",
    "file.csv_syntax": "CSV 能逐行解析",
    "file.too_many_rows": "行数不超过限度",
    "file.too_many_columns": "列数不超过限度",
    "file.empty": "文件中有台账数据",
    "file.unread": "文件夹中不是台账的文件(提示,未读取)",
    "table.kind": "能识别台账类型(文件名、工作表名或表头)",
    "table.required_columns": "必填列齐全",
    "table.duplicate_header": "同一列只出现一次",
    "table.personal_header": "没有记录个人信息的列(姓名、电话、身份证号等)",
    "table.zero_return": "零报告行与数据行不矛盾",
    "table.declared_unit": "标题行的填报单位、文件名与数据行的责任单位是同一个单位",
    "table.one_unit": "一个单位的排查登记表、积案台账只有本单位的行(汇总表除外)",
    "text.personal": "单元格、批注和标题中没有个人信息(手机号、身份证号等)",
    "cell.control": "单元格不含控制字符",
    "cell.too_long": "单元格文字不超过限度",
    "cell.formula": "公式单元格保存了计算结果(程序生成、从未计算的公式不当作空白)",
    "cell.long_number": "编号不是超过 15 位的数字单元格(Excel 会丢掉末尾的数字)",
    "cell.error_value": "单元格不是 Excel 错误值(#REF!、#N/A、#DIV/0! 等)",
    "table.total_row": "合计、小计行不是数据(提示:不读取)",
    # one per declared column type (schema.Column.type)
    "cell.id": "编号非空",
    "cell.date": "日期可识别,且在限度内",
    "cell.opt_date": "日期可识别或留空",
    "cell.unit": "单位在 params/units.yaml 中",
    "cell.level": "走访层级在 params/rules.yaml 的 levels 中",
    "cell.form": "走访形式在 params/rules.yaml 的 forms 中",
    "cell.persons": "人次为 1 到上限的整数",
    "cell.bool": "是/否",
    "cell.status": "化解状态为 未化解 或 已化解",
    "cell.category": "事件类别为考核办法所列类别",
    "cell.dispute": "纠纷类别为 params/ledgers.yaml 所列类别(或“其他”),不是一段话",
    "cell.prose": "编号是代号(含数字,汉字和长度有限),不是一段话;原文不显示",
    "cell.opt_bool": "是/否,或留空(没有记录)",
    "row.warning_before_pushed": "预警的核查、反馈时间不早于推送时间",
    "cell.moment": "日期和时间可识别(含几点几分),且在限度内",
    "cell.opt_moment": "日期和时间可识别(含几点几分),或留空",
    "cell.outcome": "处置结果为 params/ledgers.yaml 所列类别",
    "cell.post": "包案领导为 params/ledgers.yaml 所列职务,不是姓名;原文不显示",
    # across the columns of a row, and across rows
    "row.outside_campaign": "走访、事件日期在行动期内(提示:期外的行不计分)",
    "row.resolved_without_date": "已化解的案件有化解日期",
    "row.open_with_date": "未化解的案件没有化解日期",
    "row.certified_without_date": "已认定的积案有认定日期",
    "row.date_without_certified": "有认定日期的积案已认定",
    "row.certified_open": "未化解的积案不能认定",
    "row.resolved_before_first": "化解日期不早于初次信访日期",
    "row.certified_before_resolved": "认定日期不早于化解日期",
    "row.after_receipt": "日期不晚于收到台账的时间",
    "row.form_persons": "走访形式与人次相符(考核办法按人数定义的形式,如集体访 5 人以上)",
    "rows.unique": "编号(或排查台账的单位+案件+日期)不重复",
    "rows.link": "台账之间的引用一致",
    # against the store, when a batch is ingested
    "rows.other_unit": "一个单位的报送不改动台账库中其他单位的案件",
    "rows.mass_deletion": "登记表不比台账库少太多行(只发一部分时注明补报,确要删除时 --replace)",
}
