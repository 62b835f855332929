"""The commands of the ledger store: ingest (with receipts), history, withdraw, purge."""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from ..ledgers import describe
from ..ledgers.checks import ERROR
from ..ledgers.schema import KIND_LABELS
from .common import _moment, _rules, _table, shown_path


def cmd_ingest(args: argparse.Namespace) -> int:
    import datetime as dt

    from ..errors import OutputNotWritable
    from ..store import ingest

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
        elif r.status == "stored" and r.problems is not None and len(r.problems):
            _remarks(r.problems)
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
        from ..receipts import write_receipts

        try:
            for path in write_receipts(args.store, reports, received, args.receipts, rules):
                print(f"回执:{path}")
        except OutputNotWritable as exc:
            done = "本批已载入台账库" if stored else "台账库没有改动"
            raise OutputNotWritable(f"{done};回执没有写完:{exc}") from None
        if held:
            print(f"其余 {len(held)} 个文件检查无误,但本批未载入,没有写回执;改正后重新载入时再写。")
    return 1 if refused else 0


def _remarks(remarks: pd.DataFrame, shown: int = 10) -> None:
    """A stored file's remarks (提示: read, but worth the unit's attention, such as a
    column not read or a date outside the campaign), the first ``shown`` of them."""
    for p in remarks.head(shown).itertuples(index=False):
        print("    提示:" + describe(p))
    if len(remarks) > shown:
        print(f"    ……另有 {len(remarks) - shown} 处提示;完整清单可用 baiyi validate 该文件查看。")


def _ingest_line(r) -> str:
    """One line per file of a batch, as the clerk reads it."""
    if r.status == "refused":
        who = "" if r.unit or r.office_register else "(看不出是哪个单位的报送)"
        return f"拒收 {r.file}{who}:{r.message}"
    if r.status == "held":
        return f"未载入 {r.file}:{r.message}"
    if r.status == "unchanged":
        return f"跳过 {r.file}:{r.message}"
    if r.status == "unread":
        return f"未读取 {r.file}:{r.message}"
    if r.status == "personal":
        return f"警告:{r.message}"
    if r.status in ("missing", "merged"):
        return f"提示:{r.message}"
    if r.status == "document":
        return f"登记 {r.file}:{r.message}"
    parts = [
        f"{KIND_LABELS[c.kind]} 新增 {c.new}、变更 {c.changed}、未变 {c.unchanged}"
        + (f"、删除 {c.deleted}" if c.deleted else "")
        + ("(零报告)" if c.rows == 0 else "")
        + (f"(另有 {c.repeated} 行同批另一文件也有,以那份为准)" if c.repeated else "")
        for c in r.counts.itertuples(index=False)
    ]
    return f"载入 {r.file}(第 {r.submission_id} 次报送):" + (";".join(parts) or "无数据行")


ACTIONS = {"ingest": "载入", "withdraw": "撤回", "purge": "清除个人信息", "document": "登记材料"}


def _few_units(joined: str, shown: int = 3) -> str:
    """The units of a log line, short enough for a terminal line (the office's register
    names them all)."""
    units = [u for u in joined.split(",") if u]
    if len(units) <= shown:
        return "、".join(units)
    return "、".join(units[:shown]) + f" 等 {len(units)} 个单位"


def cmd_history(args: argparse.Namespace) -> int:
    """The submissions log: what came when, from whom, what it changed, what was withdrawn."""
    from ..store import history

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

    from ..store import describe_withdrawal, withdraw

    rules = _rules(args)
    at = _moment(args.at, rules, "撤回时间") or dt.datetime.now().replace(microsecond=0)
    w = withdraw(args.store, args.submission, at=at, wait=args.wait)
    print(
        f"已撤回第 {w.submission_id} 次报送({w.file};单位:{'、'.join(w.units) or '无'}):"
        f"{describe_withdrawal(w)}。记为第 {w.withdrawal_id} 条报送记录;"
        f"{at:%Y-%m-%d %H:%M} 以前的台账仍可按当时已知的数据重现。"
    )
    if args.receipts:
        from ..receipts import write_withdrawal_receipts

        for path in write_withdrawal_receipts(args.store, w, args.receipts, rules):
            print(f"回执:{path}")
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    """Find personal data already in the store; with --yes, erase it from every version."""
    from ..store import purge

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
