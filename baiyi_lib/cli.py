"""The `baiyi` command: thin, calls the library. Messages in Chinese.

    baiyi score --data DIR [--as-of DATE] [--set name=value ...] [--explain UNIT]
    baiyi explain UNIT --data DIR [--as-of DATE] [--set name=value ...]
    baiyi validate DIR
    baiyi rules [--set name=value ...]
    baiyi compare --set name=value [--set ...] --data DIR [--as-of DATE]
    baiyi sample OUT_DIR [--seed N]
    baiyi ingest FILES... [--received TIME] [--receipts DIR] [--partial]
    baiyi history [--unit UNIT]
    baiyi withdraw SUBMISSION [--at TIME] [--receipts DIR]
    baiyi purge [--store S] [--yes]
    baiyi report [--as-of DATE] [--unit UNIT | --all-units] [--pdf] [-f SETTINGS.yaml]
    baiyi template OUT_DIR [--unit UNIT]
    baiyi export OUT.xlsx --data DIR [--as-of DATE]

Exit codes (errors.py): 0 success; 1 the ledgers have errors; 2 bad parameters; 3 the
store is damaged; 4 the store is busy; 5 the store or an output can't be written; 6 the
store is from a newer version.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence

import pandas as pd

from ._version import __version__
from .errors import BaiyiError, LedgerError
from .ledgers import describe
from .ledgers.archive import decoded_name
from .ledgers.checks import ERROR
from .ledgers.schema import KIND_LABELS, check_declared
from .params import DERIVED_MECHANISMS, Rules, load_rules
from .present import ACCOUNTING_HEADERS, PROBLEM_HEADERS, SCORE_HEADERS, spreadsheet_safe
from .scoring import score
from .sources import (
    DEFAULT_STORE,
    check_ledgers,
    default_source,
    is_store,
    known_moment,
    load_ledgers,
)

DEFAULT_DATA = default_source()


class _Parser(argparse.ArgumentParser):
    """argparse with Chinese usage errors and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"参数错误:{_in_chinese(message)}", file=sys.stderr)
        raise SystemExit(2)


# argparse's messages, as the office reads them
_ARGPARSE = [
    (r"unrecognized arguments: (.*)", r"不认识的参数:\1"),
    (r"the following arguments are required: (.*)", r"缺少必填的参数:\1"),
    (r"argument (\S+): invalid int value: (.*)", r"参数 \1 应为整数,实为 \2"),
    (r"argument (\S+): invalid float value: (.*)", r"参数 \1 应为数字,实为 \2"),
    (
        r"argument (\S+): invalid choice: (\S+) \(choose from (.*)\)",
        r"参数 \1 的值 \2 不在 \3 之中",
    ),
    (r"argument (\S+): expected one argument", r"参数 \1 后面要写一个值"),
    (r"argument (\S+): not allowed with argument (\S+)", r"参数 \1 不能和 \2 同时使用"),
    (r"invalid choice: (\S+) \(choose from (.*)\)", r"没有命令 \1(可用:\2)"),
]


def _in_chinese(message: str) -> str:
    for pattern, chinese in _ARGPARSE:
        if re.fullmatch(pattern, message):
            return re.sub(pattern, chinese, message)
    return message


def shown_path(path: object) -> str:
    """A path as typed by the user, printable whatever bytes its name kept (GBK)."""
    return decoded_name(str(path))


def _overrides(items: Sequence[str]) -> dict[str, str]:
    out = {}
    for item in items:
        if "=" not in item:
            raise BaiyiError(f"--set 的格式应为 名称=值,实为「{item}」")
        name, value = item.split("=", 1)
        out[name.strip()] = value.strip()
    return out


def _rules(args: argparse.Namespace) -> Rules:
    """The method in force: its params folder with the --set readings; its declared
    columns checked against the ledgers' own (every command refuses the same params)."""
    rules = load_rules(args.rules, **_overrides(args.set or []))
    check_declared(rules)
    return rules


def _table(df: pd.DataFrame, headers: dict[str, str], fmt: str = "table") -> str:
    """A table for the terminal, or CSV whose text cells can't run as formulas."""
    df = df.rename(columns=headers)
    if fmt == "csv":
        text = df.select_dtypes(include=["object", "string"]).columns
        return df.assign(**{c: df[c].map(spreadsheet_safe) for c in text}).to_csv(index=False)
    if df.empty:
        return "(无)"
    for col in df.columns:
        if df[col].dtype == bool:
            df[col] = df[col].map({True: "是", False: ""})
    with pd.option_context(
        "display.unicode.east_asian_width",
        True,
        "display.width",
        200,
        "display.max_rows",
        10_000,
        "display.max_colwidth",
        80,
    ):
        return df.to_string(index=False)


def _interpretation_lines(rules: Rules) -> list[str]:
    lines = []
    for it in rules.interpretations.values():
        mark = "" if it.is_default else f"  ← 非默认(默认:{it.value_words(it.default)})"
        lines.append(f"  {it.words()}{mark}")
    return lines


def cmd_score(args: argparse.Namespace) -> int:
    rules = _rules(args)
    ledgers = load_ledgers(args.data, rules)
    result = score(ledgers, rules, as_of=args.as_of)
    reading = ledgers.reading_lines()
    if args.format == "csv":
        for line in reading:  # said, but not in the table a program reads
            print(f"提示:{line}", file=sys.stderr)
        sys.stdout.write(_table(result.scores, SCORE_HEADERS, "csv"))
        return 0
    camp = rules.campaign
    print(f"{camp.name} 得分排名")
    print(
        f"台账:{shown_path(args.data)};"
        f"统计期 {camp.assessment_period(result.as_of)[0]:%Y-%m-%d} 至 "
        f"{min(camp.end, result.as_of):%Y-%m-%d}"
        + (f"(按{camp.cycle}考核,{camp.cycle_clause})" if camp.cycle != "全期" else "")
    )
    if reading:
        print("计分以前请注意:")
        print("\n".join(f"  {line}" for line in reading))
    shown = SCORE_HEADERS
    if not rules.by_mechanism("flag"):  # a method with no veto has no such columns
        shown = {k: v for k, v in SCORE_HEADERS.items() if k not in ("veto", "awards_cancelled")}
    print(_table(result.scores, shown))
    print("\n口径:")
    lines = _interpretation_lines(rules)
    print("\n".join(lines) if lines else "  无(原文没有需要另行确定口径之处)")
    for heading, items in result.disclosures():
        print(f"\n{heading}:")
        for item in items:
            print(f"  {item}")
    if args.explain:
        print()
        print(result.explain(args.explain))
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    rules = _rules(args)
    result = score(load_ledgers(args.data, rules), rules, as_of=args.as_of)
    print(result.explain(args.unit))
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    import datetime as dt

    rules = _rules(args)
    received = known_moment(args.received, rules, "接收时间") if args.received else None
    if is_store(args.data):
        checked = check_ledgers(args.data, rules)
    else:
        checked = check_ledgers(args.data, rules, received=received or dt.datetime.now())
    gaps = _gaps_against_store(checked, args)
    print(f"台账检查:{shown_path(args.data)}")
    acc = checked.accounting[list(ACCOUNTING_HEADERS)].copy()
    acc["unit"] = acc["unit"].astype(object).where(acc["unit"].notna(), "")  # not "None"
    print(_table(acc, ACCOUNTING_HEADERS))
    total = checked.accounting[["rows_read", "rows_used", "rows_refused"]].sum()
    print(
        f"合计:读入 {total['rows_read']} 行 = 采用 {total['rows_used']} 行"
        f" + 拒收 {total['rows_refused']} 行"
    )
    n_err = int((checked.problems["severity"] == ERROR).sum())
    n_rem = len(checked.problems) - n_err
    if n_err:
        print(f"\n发现 {n_err} 处错误、{n_rem} 处提示:")
    elif n_rem:
        print(f"\n未发现错误;有 {n_rem} 处提示(不影响载入):")
    elif checked.ledgers is not None and checked.ledgers.reading_lines():
        print("\n未发现错误;计分以前请注意:")
        print("\n".join(f"  {line}" for line in checked.ledgers.reading_lines()))
    else:
        print("\n未发现错误或提示。")
    if len(checked.problems):
        if args.format == "csv":
            sys.stdout.write(_table(checked.problems, PROBLEM_HEADERS, "csv"))
        else:
            for p in checked.problems.itertuples(index=False):
                print(f"  [{p.severity}] " + describe(p))
    for note in gaps:
        print(f"提示:{note}")
    return 1 if n_err else 0


def _gaps_against_store(checked, args: argparse.Namespace) -> list[str]:
    """Weekly kinds a unit's files lack although its earlier returns in the store had
    them (a CSV saved from Excel keeps only the first sheet)."""
    store = args.store or (DEFAULT_STORE if os.path.exists(DEFAULT_STORE) else None)
    if store is None or checked.ledgers is None or is_store(args.data):
        return []
    from .store import WEEKLY_KINDS, kinds_sent_before, missing_kind_note, missing_kinds, reading

    led = checked.ledgers
    present: dict[str, set[str]] = {}
    for kind in WEEKLY_KINDS:
        frame = led.screening_rows if kind == "screening" else led[kind]
        for unit in frame["unit"].dropna().astype(str).unique():
            present.setdefault(unit, set()).add(kind)
    with reading(store) as con:
        before = kinds_sent_before(con)
    return [missing_kind_note(u, k) for u, k in missing_kinds(present, before)]


def cmd_compare(args: argparse.Namespace) -> int:
    """The default reading against another: per unit score and rank under each, and the
    points rows that differ, with their clauses."""
    from .whatif import compare

    changed = _overrides(args.set or [])
    rules = load_rules(args.rules)
    if not rules.interpretations:
        raise BaiyiError("这个考核办法没有需要另行确定的口径(见 baiyi rules),没有可比较的口径")
    if not changed:
        first = next(iter(rules.interpretations.values()))
        other = next((c for c in first.choices or () if c != first.value), "取值")
        raise BaiyiError(
            f"请用 --set 指定要比较的口径,如 --set {first.name}={other}(口径见 baiyi rules)"
        )
    cmp = compare(load_ledgers(args.data, rules), rules, args.as_of, **changed)
    t = cmp.table.assign(
        diff=cmp.table["diff"].map(lambda x: f"{x:+d}" if x else "0"),
        rank_change=cmp.table["rank_change"].map(lambda x: f"{x:+d}" if x else ""),
    )
    other = ";".join(rules.with_overrides(**{k: v}).interpretations[k].words()
                     for k, v in changed.items())  # fmt: skip
    headers = {
        "unit": "单位",
        "score": "默认口径得分",
        "rank": "默认名次",
        "score_other": f"{other} 得分",
        "rank_other": "名次",
        "diff": "差",
        "rank_change": "名次升降",
    }
    t = t[list(headers)]
    if args.format == "csv":
        sys.stdout.write(_table(t, headers, "csv"))
        return 0
    print(f"口径比较:默认口径 与 {other}(统计截至 {cmp.default.as_of:%Y-%m-%d})")
    print(_table(t, headers))
    rows = cmp.rows
    moved = int((cmp.table["diff"] != 0).sum())
    print(f"\n得分不同的单位 {moved} 个;两种口径下不同的计分行 {len(rows)} 行:")
    for r in rows.itertuples(index=False):
        print(
            f"  [{r.side}] {r.unit} {pd.Timestamp(r.date):%Y-%m-%d} {r.source_id} "
            f"{r.label}({r.clause}):{r.points:+d} 分"
        )
    return 0


def cmd_rules(args: argparse.Namespace) -> int:
    rules = _rules(args)
    camp = rules.campaign
    print(f"{rules.document}")
    print(f"基础分 {camp.base_score}({camp.base_clause})")
    if camp.cycle != "全期":
        print(f"按{camp.cycle}考核:每{camp.cycle}从基础分重新计算({camp.cycle_clause})")
    if rules.by_mechanism("missed_return"):  # returns are scored: when they are due
        print(
            f"定期报送:{camp.weekly_return}({camp.weekly_return_clause});"
            f"{camp.weekday_name}后 {camp.late_days} 天内到的算迟报,更晚的算未报"
        )
    print()
    for r in rules.rules.values():
        if r.mechanism in DERIVED_MECHANISMS:
            continue  # said with the items below
        pts = (
            "标记"
            if r.mechanism == "flag"
            else (
                f"×{r.factor}"
                if r.mechanism == "doubling"
                else f"{rules.rule_points(r):+d}" + (f"/{r.per}" if r.per else "")
            )
        )
        amb = "  [原文有歧义]" if r.ambiguous else ""
        item = f"  [{rules.items[r.item].label}]" if r.item else ""
        when = "".join(f"  [{rules.columns[k].header}:{'是' if v else '否'}]" for k, v in r.when)
        print(f"  {r.id:<22} {r.clause:<14} {pts:<10} {r.label}{when}{item}{amb}")
    if rules.items or rules.floor is not None:
        print("\n考核项目(扣完为止):")
    for it in rules.items.values():
        how = "扣完为止" if rules.item_capped(it) else "不封顶(按口径)"
        print(f"  {it.label}:{it.points} 分,{how}({it.clause})")
    if rules.floor is not None:
        print(f"  总分最低 {rules.floor} 分,扣完为止({rules['floor'].clause})")
    if rules.columns:
        print("\n办法自己的是否列(台账中填 是/否,空白为否):")
    for col in rules.columns.values():
        also = f";也认「{'」「'.join(col.aliases)}」" if col.aliases else ""
        print(f"  {col.header}({col.label};{col.clause}{also})")
    print("\n口径:")
    lines = _interpretation_lines(rules)
    print("\n".join(lines) if lines else "  无(原文没有需要另行确定口径之处)")
    return 0


def _report_settings(args: argparse.Namespace) -> dict:
    """The report's settings: -f FILE.yaml, with the command line on top."""
    from .report.settings import report_settings

    return report_settings(
        args.file,
        data=args.data,
        as_of=args.as_of,
        units=list(args.unit or []),
        all_units=args.all_units,
        overrides=_overrides(args.set or []),
        notebook=args.notebook,
        known_at=args.known_at,
        out=args.out,
        default_data=DEFAULT_DATA,
    )


def cmd_report(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .report.batch import run_jobs
    from .report.files import clean_stale
    from .report.run import plan

    if args.rules:  # the notebooks' kernels load the rules from the same folder
        from .params import rules_folder

        os.environ["BAIYI_PARAMS"] = str(rules_folder(args.rules))
    s = _report_settings(args)
    out = Path(s["out"])
    jobs = plan(
        data=s["data"],
        as_of=s["as_of"],
        units=s["units"],
        all_units=s["all_units"],
        overrides=s["overrides"],
        notebook=s["notebook"],
        title=s["title"],
        known_at=s["known_at"],
        out=out,
        pdf=args.pdf or bool(s.get("pdf")),
        sensitivity=True if args.sensitivity else s.get("sensitivity"),
    )
    for note in clean_stale(out):  # what killed runs left; said only if it stays
        print(note, file=sys.stderr)
    entries = run_jobs(jobs, out, workers=args.jobs)
    failed = [e for e in entries if e["status"] != "ok"]
    for e in entries:
        if e["status"] == "ok":
            print(f"已生成:{out / e['html']}")
            if e.get("pdf"):
                print(f"已生成:{out / e['pdf']}")
    print(f"目录:{out / 'index.html'}")
    for e in failed:
        who = e["unit"] or "全系统"
        print(f"失败:{e['notebook']}({who}):{e['error']}", file=sys.stderr)
    no_pdf = [e for e in entries if e.get("pdf_error")]
    for e in no_pdf:
        print(f"未生成 PDF:{e['html']}:{e['pdf_error']}", file=sys.stderr)
    return 1 if failed or no_pdf else 0


def cmd_template(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .excel import write_templates

    rules = _rules(args)
    unit = rules.units.resolve(args.unit) if args.unit else None
    for path in write_templates(Path(args.out), rules, unit):
        print(f"已生成模板:{path}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .excel import export_source

    done = export_source(Path(args.out), args.data, _rules(args), args.as_of)
    if done.errors:
        print(f"台账有错误,只导出问题表({done.errors} 处)。", file=sys.stderr)
        return 1
    print(f"已导出:{done.path}")
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    import datetime as dt

    from .errors import OutputNotWritable
    from .store import ingest

    rules = _rules(args)
    received = _moment(args.received, rules, "接收时间") or dt.datetime.now().replace(microsecond=0)
    reports = ingest(
        args.files,
        args.store,
        received=received,
        rules=rules,
        wait=args.wait,
        partial=args.partial,
        replace=args.replace,
        progress=lambda msg: print(msg, flush=True),
    )
    for r in reports:
        print(_ingest_line(r), file=sys.stderr if r.status == "personal" else sys.stdout)
        if r.status == "refused":
            for p in r.problems[r.problems["severity"] == ERROR].head(20).itertuples(index=False):
                print("    " + describe(p))
    refused = [r for r in reports if r.status == "refused"]
    held = [r for r in reports if r.status == "held"]
    stored = [r.submission_id for r in reports if r.status == "stored"]
    unread = sum(r.status == "unread" for r in reports)
    if refused:
        print(
            f"台账库:{shown_path(args.store)};本批 {len(refused) + len(held)} 个文件都未载入"
            f"({len(refused)} 个拒收):一批要么全部载入,要么都不载入。请改正拒收的文件后重新"
            "载入这一批;或先把拒收的文件移出,载入其余的。重新载入时用 --received 写明这一批原来"
            f"收到的时间({received:%Y-%m-%d %H:%M}),按时报送的单位就不会记为迟报。"
        )
    else:
        done = sum(r.status in ("stored", "unchanged", "document") for r in reports)
        span = f"(第 {min(stored)}–{max(stored)} 次报送)" if len(stored) > 1 else ""
        print(
            f"台账库:{shown_path(args.store)};{done} 个文件已处理{span}"
            + (f",{unread} 个未读取(原因见上)。" if unread else "。")
        )
    if args.receipts:
        from .receipts import write_receipts

        try:
            for path in write_receipts(args.store, reports, received, args.receipts, rules):
                print(f"回执:{path}")
        except OutputNotWritable as exc:
            done = "本批已载入台账库" if stored else "台账库没有改动"
            raise OutputNotWritable(f"{done};回执没有写完:{exc}") from None
        if held:
            print(f"其余 {len(held)} 个文件检查无误,但本批未载入,没有写回执;改正后重新载入时再写。")
    return 1 if refused else 0


def _moment(value: str | None, rules: Rules, what: str):
    """A moment typed on the command line (--received, --at), or None when not given; an
    empty value is a mistake, not "now"."""
    if value is None:
        return None
    if not value.strip():
        raise BaiyiError(f"{what}不能为空;不写这个参数就是现在")
    return known_moment(value, rules, what)


def _ingest_line(r) -> str:
    """One line per file of a batch, as the clerk reads it."""
    if r.status == "refused":
        who = "" if r.unit else "(看不出是哪个单位的报送)"
        return f"拒收 {r.file}{who}:{r.message}"
    if r.status == "held":
        return f"未载入 {r.file}:{r.message}"
    if r.status == "unchanged":
        return f"跳过 {r.file}:{r.message}"
    if r.status == "unread":
        return f"未读取 {r.file}:{r.message}"
    if r.status == "personal":
        return f"警告:{r.message}"
    if r.status == "missing":
        return f"提示:{r.message}"
    if r.status == "document":
        return f"登记 {r.file}:{r.message}"
    parts = [
        f"{KIND_LABELS[c.kind]} 新增 {c.new}、变更 {c.changed}、未变 {c.unchanged}"
        + (f"、删除 {c.deleted}" if c.deleted else "")
        + ("(零报告)" if c.rows == 0 else "")
        for c in r.counts.itertuples(index=False)
    ]
    return f"载入 {r.file}(第 {r.submission_id} 次报送):" + (";".join(parts) or "无数据行")


ACTIONS = {"ingest": "载入", "withdraw": "撤回", "purge": "清除个人信息"}


def _few_units(joined: str, shown: int = 3) -> str:
    """The units of a log line, short enough for a terminal line (the office's register
    names them all)."""
    units = [u for u in joined.split(",") if u]
    if len(units) <= shown:
        return "、".join(units)
    return "、".join(units[:shown]) + f" 等 {len(units)} 个单位"


def cmd_history(args: argparse.Namespace) -> int:
    """The submissions log: what came when, from whom, what it changed, what was withdrawn."""
    from .store import history

    rules = _rules(args)
    log = history(args.store, wait=args.wait)
    if args.unit:
        unit = rules.units.resolve(args.unit)
        log = log[log["units"].fillna("").str.split(",").map(lambda us: unit in us)]
    if log.empty:
        print(f"台账库 {args.store} 中没有报送记录。")
        return 0
    shown = log.assign(
        received=log["received"].dt.strftime("%Y-%m-%d %H:%M"),
        action=log["action"].map(ACTIONS).fillna(log["action"]),
        units=log["units"].fillna("").map(_few_units),
        withdrawn_by=log["withdrawn_by"].map(
            lambda w: "" if pd.isna(w) else f"已撤回(第 {int(w)} 条)"
        ),
        **{c: log[c].fillna(0).astype(int) for c in ("new", "changed", "deleted")},
    )
    headers = {
        "id": "编号", "received": "收到时间", "action": "事项", "units": "单位", "file": "文件",
        "new": "新增", "changed": "变更", "deleted": "删除", "withdrawn_by": "状态",
    }  # fmt: skip
    print(_table(shown[list(headers)], headers, args.format))
    if args.format != "csv":
        print("撤回一次报送:baiyi withdraw 编号")
    return 0


def cmd_withdraw(args: argparse.Namespace) -> int:
    """Withdraw (撤回) one submission: its rows back to their versions before it."""
    import datetime as dt

    from .store import describe_withdrawal, withdraw

    rules = _rules(args)
    at = _moment(args.at, rules, "撤回时间") or dt.datetime.now().replace(microsecond=0)
    w = withdraw(args.store, args.submission, at=at, wait=args.wait)
    print(
        f"已撤回第 {w.submission_id} 次报送({w.file};单位:{'、'.join(w.units) or '无'}):"
        f"{describe_withdrawal(w)}。记为第 {w.withdrawal_id} 条报送记录;"
        f"{at:%Y-%m-%d %H:%M} 以前的台账仍可按当时已知的数据重现。"
    )
    if args.receipts:
        from .receipts import write_withdrawal_receipts

        for path in write_withdrawal_receipts(args.store, w, args.receipts, rules):
            print(f"回执:{path}")
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    """Find personal data already in the store; with --yes, erase it from every version."""
    from .store import purge

    steps = {"copy": "已清除并记录;正在重写台账库文件,使旧数据块不再保留原值……"}
    found, counts = purge(
        args.store, apply=args.yes, wait=args.wait,
        step=lambda s: print(steps[s], flush=True) if s in steps else None,
    )  # fmt: skip
    if not found:
        print(f"台账库 {args.store} 中没有发现个人信息(共 {sum(counts.values())} 行)。")
        return 0
    labels = {f"rows_{k}": v for k, v in KIND_LABELS.items()} | {
        "submissions": "报送记录", "submission_units": "报送记录"}  # fmt: skip
    print(f"台账库 {args.store} 中发现 {len(found)} 个含个人信息的值:")
    for f in found:
        where = labels.get(f.table, f.table)
        print(f"  {where} · {f.column}:{f.what} {f.shown},共 {f.versions} 个版本")
    if not args.yes:
        print("未作改动。确认清除请加 --yes:每个值在所有版本中替换为「已清除#n」,并记入报送记录。")
        return 1
    print(
        "已从所有版本中清除,台账库已重写(旧数据块不再保留);"
        f"各表行数不变(共 {sum(counts.values())} 行)。清除记录见 purges 表和报送记录。"
    )
    return 0


def cmd_sample(args: argparse.Namespace) -> int:
    from .sample import write_sample

    files = write_sample(args.out, seed=args.seed, rules=_rules(args))
    print(f"已生成 {len(files)} 个示例台账文件(合成数据)于 {args.out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="baiyi", description="信访维稳百日集中攻坚行动:台账检查、计分与说明")
    p.add_argument("--version", action="version", version=f"baiyi {__version__}")
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

    s = sub.add_parser("score", help="计算各单位得分并排名")
    s.add_argument("--data", default=DEFAULT_DATA, help=f"台账文件夹或文件(默认 {DEFAULT_DATA})")
    s.add_argument("--explain", metavar="单位", help="同时列出该单位得分的逐条说明")
    s.add_argument("--format", choices=["table", "csv"], default="table")
    common(s)
    s.set_defaults(func=cmd_score)

    e = sub.add_parser("explain", help="逐条说明一个单位的得分")
    e.add_argument("unit", help="单位名称、简称或代码")
    e.add_argument("--data", default=DEFAULT_DATA)
    common(e)
    e.set_defaults(func=cmd_explain)

    v = sub.add_parser("validate", help="检查台账,列出全部问题")
    v.add_argument("data", help="台账文件夹或文件")
    v.add_argument("--format", choices=["table", "csv"], default="table")
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
    cp.add_argument("--data", default=DEFAULT_DATA, help=f"台账(默认 {DEFAULT_DATA})")
    cp.add_argument("--format", choices=["table", "csv"], default="table")
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
    rp.add_argument(
        "--known-at", default=None, help="台账库:按当时已知的数据重现(如 2019-04-26 18:00)"
    )
    rp.add_argument("--set", action="append", metavar="名称=值", help="口径参数,如 doubling=stack")
    rp.add_argument("--rules", default=None, help="参数目录或 rules.yaml(默认 params/)")
    rp.add_argument("-f", "--file", default=None, help="YAML 参数文件")
    rp.add_argument("--data", default=None, help=f"台账文件夹(默认 {DEFAULT_DATA})")
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
        help="确认登记表(走访、事件)比台账库少很多行时仍按新表替换(默认先不载入并说明)",
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
    h.add_argument("--format", choices=["table", "csv"], default="table")
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
    x.add_argument("--data", default=DEFAULT_DATA)
    common(x)
    x.set_defaults(func=cmd_export)

    g = sub.add_parser("sample", help="生成示例台账(合成数据)")
    g.add_argument("out", help="输出文件夹")
    g.add_argument("--seed", type=int, default=None, help="随机种子(默认固定种子)")
    common(g, data=False)
    g.set_defaults(func=cmd_sample)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):  # a name with undecodable bytes never crashes
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    args = build_parser().parse_args(argv)
    if getattr(args, "seed", "absent") is None:
        from .sample import DEFAULT_SEED

        args.seed = DEFAULT_SEED
    try:
        return args.func(args)
    except LedgerError as exc:
        print(str(exc), file=sys.stderr)
        return exc.exit_code
    except BaiyiError as exc:
        print(f"错误:{exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(
            "已中断。正在写入的一批如果还没有完成,台账库不会载入其中任何数据"
            "(一批要么全部载入,要么都不载入);可用 baiyi history 查看。",
            file=sys.stderr,
        )
        return 130
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away: stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
