"""The commands that read ledgers and say scores: score, explain, validate, compare, rules."""

from __future__ import annotations

import argparse
import functools
import sys

import pandas as pd

from ..errors import BaiyiError
from ..ledgers import describe
from ..ledgers.checks import ERROR
from ..params import DERIVED_MECHANISMS, load_rules
from ..present import ACCOUNTING_HEADERS, PROBLEM_HEADERS, SCORE_HEADERS
from ..scoring import score
from ..sources import (
    DEFAULT_STORE,
    check_ledgers,
    is_store,
    known_moment,
)
from .common import _interpretation_lines, _ledgers, _overrides, _rules, _table, shown_path


def cmd_score(args: argparse.Namespace) -> int:
    rules = _rules(args)
    ledgers = _ledgers(args, rules)
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
        f"台账:{shown_path(args.data)}"
        + (
            f"(按 {known_moment(args.known_at, rules):%Y-%m-%d %H:%M} 已知的数据)"
            if args.known_at
            else ""
        )
        + ";"
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
    result = score(_ledgers(args, rules), rules, as_of=args.as_of)
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
    # with --format csv the standard output is the problem table alone (a file Excel
    # opens); what is said around it goes to the terminal (standard error)
    say = functools.partial(print, file=sys.stderr if args.format == "csv" else sys.stdout)
    say(f"台账检查:{shown_path(args.data)}")
    acc = checked.accounting[list(ACCOUNTING_HEADERS)].copy()
    acc["unit"] = acc["unit"].astype(object).where(acc["unit"].notna(), "")  # not "None"
    say(_table(acc, ACCOUNTING_HEADERS))
    total = checked.accounting[["rows_read", "rows_used", "rows_refused"]].sum()
    say(
        f"合计:读入 {total['rows_read']} 行 = 采用 {total['rows_used']} 行"
        f" + 拒收 {total['rows_refused']} 行"
    )
    n_err = int((checked.problems["severity"] == ERROR).sum())
    n_rem = len(checked.problems) - n_err
    if n_err:
        say(f"\n发现 {n_err} 处错误、{n_rem} 处提示:")
    elif n_rem:
        say(f"\n未发现错误;有 {n_rem} 处提示(不影响载入):")
    elif checked.ledgers is not None and checked.ledgers.reading_lines():
        say("\n未发现错误;计分以前请注意:")
        say("\n".join(f"  {line}" for line in checked.ledgers.reading_lines()))
    else:
        say("\n未发现错误或提示。")
    if args.format == "csv":  # the header row even when there is no problem
        headers = {**PROBLEM_HEADERS, "check": "检查编号"}  # the declared check's stable id
        sys.stdout.write(_table(checked.problems, headers, "csv"))
    else:
        for p in checked.problems.itertuples(index=False):
            say(f"  [{p.severity}] " + describe(p))
    for note in gaps:
        say(f"提示:{note}")
    return 1 if n_err else 0


def _gaps_against_store(checked, args: argparse.Namespace) -> list[str]:
    """Weekly kinds a unit's files lack although its earlier returns in the store had
    them (a CSV saved from Excel keeps only the first sheet)."""
    store = args.store or (str(DEFAULT_STORE) if DEFAULT_STORE.exists() else None)
    if store is None or checked.ledgers is None or is_store(args.data):
        return []
    from ..store import WEEKLY_KINDS, kinds_sent_before, missing_kind_note, missing_kinds, reading

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
    from ..whatif import compare

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
    cmp = compare(_ledgers(args, rules), rules, args.as_of, **changed)
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
