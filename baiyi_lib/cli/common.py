"""What every command shares: argparse in Chinese, paths as the clerk reads them, the
params with --set overrides, tables for the terminal, moments typed on the command line."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from typing import Any

import pandas as pd

from ..errors import BaiyiError, ParamsError
from ..ledgers.archive import decoded_name
from ..ledgers.schema import check_declared
from ..params import Rules, load_rules
from ..present import spreadsheet_safe
from ..sources import (
    default_source,
    known_moment,
)

DEFAULT_DATA = default_source()
# --known-at, the same for every command that reads ledgers (score, explain, compare,
# export, report)
KNOWN_AT = "台账库:按当时已知的数据重现(如 2019-04-26 18:00);只适用于台账库(.duckdb)"


class _Formatter(argparse.HelpFormatter):
    """argparse's help, its usage line headed in Chinese."""

    def add_usage(self, usage, actions, groups, prefix=None):  # type: ignore[no-untyped-def]
        super().add_usage(usage, actions, groups, "用法:" if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    """argparse with Chinese help and usage errors, and exit code 2."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "命令与参数"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action="help", help="显示本帮助后退出")

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


def _moment(value: str | None, rules: Rules, what: str):
    """A moment typed on the command line (--received, --at), or None when not given; an
    empty value is a mistake, not "now"."""
    if value is None:
        return None
    if not value.strip():
        raise BaiyiError(f"{what}不能为空;不写这个参数就是现在")
    return known_moment(value, rules, what)


def _ledgers(args: argparse.Namespace, rules: Rules):
    """The ledgers of ``--data`` as known at ``--known-at`` (a store only: files have no
    history, and a moment given for them is refused rather than ignored)."""
    from ..sources import load_ledgers

    _check_known_at(args)
    return load_ledgers(args.data, rules, known_at=args.known_at)


def _check_known_at(args: argparse.Namespace) -> None:
    """--known-at with ledger files is a mistake said in the option's own words."""
    from ..sources import is_store

    if args.known_at is not None and not is_store(args.data):
        raise ParamsError(
            "--known-at 只适用于台账库(.duckdb):台账文件没有报送记录,无从按当时已知的数据重现"
        )
