"""The command line: every command, its options and their Chinese help."""

from __future__ import annotations

import argparse

from .._version import __version__
from ..sources import DEFAULT_STORE, SAMPLE
from .common import DEFAULT_DATA, KNOWN_AT, _Parser
from .outputs import cmd_export, cmd_report, cmd_sample, cmd_template
from .scores import cmd_compare, cmd_explain, cmd_rules, cmd_score, cmd_validate
from .storecmds import cmd_history, cmd_ingest, cmd_purge, cmd_withdraw


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="baiyi", description="信访台账的检查、计分与说明(考核办法见参数目录)")
    p.add_argument(
        "--version", action="version", version=f"baiyi {__version__}", help="显示版本号后退出"
    )
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def common(sp: argparse.ArgumentParser, data: bool = True) -> None:
        sp.add_argument("--rules", default=None, help="参数目录或 rules.yaml(默认 params/)")
        sp.add_argument(
            "--set", action="append", metavar="名称=值", help="口径参数,如 doubling=stack"
        )
        if data:
            sp.add_argument(
                "--as-of", default=None, help="统计截止日期,如 2019-03-29(默认行动最后一天)"
            )
            sp.add_argument("--known-at", default=None, help=KNOWN_AT)

    def store_alias(sp: argparse.ArgumentParser) -> None:
        # the clerk's commands say --store for the ledger store: here it is --data's store
        sp.add_argument(
            "--store", dest="data", default=argparse.SUPPRESS, metavar="台账库",
            help="台账库(.duckdb),与 --data 台账库 相同",
        )  # fmt: skip

    def data_option(sp: argparse.ArgumentParser, default: str | None = DEFAULT_DATA) -> None:
        sp.add_argument(
            "--data", default=default, metavar="台账",
            help=f"台账库(.duckdb)、台账文件夹或文件(默认:有 {DEFAULT_STORE.name} 时用台账库"
            f" {DEFAULT_STORE},否则用示例台账 {SAMPLE})",
        )  # fmt: skip
        store_alias(sp)

    def format_option(sp: argparse.ArgumentParser) -> None:
        sp.add_argument(
            "--format", choices=["table", "csv"], default="table",
            help="输出格式:table 对齐的表格(默认),csv 逗号分隔(可用 Excel 打开)",
        )  # fmt: skip

    s = sub.add_parser("score", help="计算各单位得分并排名")
    data_option(s)
    s.add_argument("--explain", metavar="单位", help="同时列出该单位得分的逐条说明")
    format_option(s)
    common(s)
    s.set_defaults(func=cmd_score)

    e = sub.add_parser("explain", help="逐条说明一个单位的得分")
    e.add_argument("unit", help="单位名称、简称或代码")
    data_option(e)
    common(e)
    e.set_defaults(func=cmd_explain)

    v = sub.add_parser("validate", help="检查台账,列出全部问题")
    v.add_argument("data", help="台账文件夹或文件")
    format_option(v)
    v.add_argument(
        "--received",
        default=None,
        help="收到台账的时间(默认现在):晚于它的日期是错误,如 2019-03-08 17:30",
    )
    v.add_argument(
        "--store",
        default=None,
        help="与台账库中以前的报送比较(默认 data/baiyi.duckdb,如存在),提示缺少的台账",
    )
    common(v, data=False)
    v.set_defaults(func=cmd_validate)

    cp = sub.add_parser("compare", help="比较默认口径与另一种口径下各单位的得分和名次")
    data_option(cp)
    format_option(cp)
    common(cp)
    cp.set_defaults(func=cmd_compare)

    r = sub.add_parser("rules", help="列出考核规则和口径")
    common(r, data=False)
    r.set_defaults(func=cmd_rules)

    rp = sub.add_parser("report", help="运行周报笔记本,生成离线 HTML 报告")
    rp.add_argument("--as-of", default=None, help="统计截止日期(默认:台账覆盖的最近一个周五)")
    who = rp.add_mutually_exclusive_group()
    who.add_argument("--unit", action="append", metavar="单位", help="只生成该单位的周报(可重复)")
    who.add_argument("--all-units", action="store_true", help="为每个单位各生成一份周报(并行)")
    rp.add_argument("--known-at", default=None, help=KNOWN_AT)
    rp.add_argument("--set", action="append", metavar="名称=值", help="口径参数,如 doubling=stack")
    rp.add_argument("--rules", default=None, help="参数目录或 rules.yaml(默认 params/)")
    rp.add_argument("-f", "--file", default=None, help="YAML 参数文件")
    data_option(rp, default=None)
    rp.add_argument("--out", default=None, help="报告输出目录(默认 reports)")
    rp.add_argument("--notebook", default=None, help="笔记本名称(默认 weekly_briefing)")
    rp.add_argument("--jobs", type=int, default=None, help="并行数(默认 CPU 核数)")
    rp.add_argument(
        "--pdf", action="store_true", help="同时用 Chromium 打印 A4 PDF(放在 HTML 旁边)"
    )
    rp.add_argument(
        "--sensitivity",
        action="store_true",
        help="附录:各口径下各单位的得分和名次(总结考核总是列出)",
    )
    rp.set_defaults(func=cmd_report)

    i = sub.add_parser("ingest", help="检查并载入台账文件到台账库(DuckDB)")
    i.add_argument("files", nargs="+", help="台账文件或文件夹")
    i.add_argument("--store", default=str(DEFAULT_STORE), help=f"台账库(默认 {DEFAULT_STORE})")
    i.add_argument("--received", default=None, help="接收时间(默认现在),如 2019-03-08 17:30")
    i.add_argument("--wait", type=float, default=60.0, help="台账库被占用时最多等待的秒数")
    i.add_argument(
        "--receipts", metavar="文件夹", default=None, help="为每个报送单位写一页回执(HTML,可打印)"
    )
    i.add_argument(
        "--replace",
        action="store_true",
        help="确认登记表(走访、事件),或没写明单位的排查、积案,比台账库少很多行时仍按新表替换"
        "(默认先不载入并说明)",
    )
    i.add_argument(
        "--partial",
        action="store_true",
        help="只增补、不替换:文件只含部分行(文件名含“补报”或“增补”时同样处理)",
    )
    common(i, data=False)
    i.set_defaults(func=cmd_ingest)

    h = sub.add_parser(
        "history", help="报送记录:每次载入、撤回、清除的编号、时间、单位、文件和行数"
    )
    h.add_argument("--store", default=str(DEFAULT_STORE), help=f"台账库(默认 {DEFAULT_STORE})")
    h.add_argument("--unit", default=None, help="只列出该单位的报送")
    format_option(h)
    h.add_argument("--wait", type=float, default=60.0, help="台账库被占用时最多等待的秒数")
    common(h, data=False)
    h.set_defaults(func=cmd_history)

    w = sub.add_parser("withdraw", help="撤回一次报送(错载的文件):它改动的行恢复原样")
    w.add_argument("submission", type=int, help="报送编号(见 baiyi history)")
    w.add_argument("--store", default=str(DEFAULT_STORE), help=f"台账库(默认 {DEFAULT_STORE})")
    w.add_argument("--at", default=None, help="撤回时间(默认现在),如 2019-03-08 18:00")
    w.add_argument("--wait", type=float, default=60.0, help="台账库被占用时最多等待的秒数")
    w.add_argument("--receipts", metavar="文件夹", default=None, help="为该单位写一页撤回回执")
    common(w, data=False)
    w.set_defaults(func=cmd_withdraw)

    pg = sub.add_parser("purge", help="查找并清除台账库中已有的个人信息(所有版本)")
    pg.add_argument("--store", default=str(DEFAULT_STORE), help=f"台账库(默认 {DEFAULT_STORE})")
    pg.add_argument("--yes", action="store_true", help="确认清除(不加则只列出,不作改动)")
    pg.add_argument("--wait", type=float, default=60.0, help="台账库被占用时最多等待的秒数")
    pg.set_defaults(func=cmd_purge)

    t = sub.add_parser("template", help="生成各台账的 Excel 填报模板")
    t.add_argument("out", help="输出文件夹")
    t.add_argument("--unit", default=None, help="为该单位生成每周报送模板(排查登记表和积案)")
    common(t, data=False)
    t.set_defaults(func=cmd_template)

    x = sub.add_parser("export", help="导出得分、计分明细和台账问题到 Excel(可打印)")
    x.add_argument("out", help="输出的 .xlsx 文件")
    data_option(x)
    common(x)
    x.set_defaults(func=cmd_export)

    g = sub.add_parser("sample", help="生成示例台账(合成数据)")
    g.add_argument("out", help="输出文件夹")
    g.add_argument("--seed", type=int, default=None, help="随机种子(默认固定种子)")
    common(g, data=False)
    g.set_defaults(func=cmd_sample)
    return p
