"""A report's settings: a YAML file (``baiyi report -f 参数.yaml``) with the command line
on top.

A settings file is a few lines a clerk wrote, and it is checked whole before anything
else runs (before the ledgers are read, before any kernel). It is refused with a
ParamsError (exit 2) naming the file, and the key where there is one, when it is:

- larger than MAX_BYTES (a settings file is a dozen lines);
- not text in UTF-8 or GB18030 (what Notepad saves on a Chinese Windows);
- YAML with anchors, aliases or merge keys (``&x``, ``*x``, ``<<``): a few lines of them
  expand to gigabytes, and a settings file has no use for them;
- not valid YAML, nested deeper than the parser's recursion, or not one mapping;
- a mapping with an unknown key, or with a value of the wrong type (KINDS).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml

from ..errors import ParamsError

MAX_BYTES = 64 * 1024
DEFAULT_NOTEBOOK = "weekly_briefing"


@dataclass(frozen=True)
class Kind:
    """What a key's value must be: a test, and the words that say it to a clerk."""

    words: str
    admits: Callable[[Any], bool]


def _is_scalar(v: Any) -> bool:
    return isinstance(v, str | int | float) and not isinstance(v, dt.date)


TEXT = Kind("文字", lambda v: isinstance(v, str))
FLAG = Kind("“true”或“false”", lambda v: isinstance(v, bool))
DAY = Kind(
    "日期(如 2019-04-26)",
    lambda v: isinstance(v, str | dt.date) or (isinstance(v, int) and not isinstance(v, bool)),
)
UNITS = Kind(
    "单位名称的列表(如 [农水站, 安监办])",
    lambda v: isinstance(v, list) and all(isinstance(u, str) for u in v),
)
RULES = Kind(
    "“口径名称: 值”的映射(如 doubling: stack)",
    lambda v: isinstance(v, dict) and all(isinstance(k, str) for k in v),
)
RULE_VALUE = Kind("文字、数字或 true/false", _is_scalar)

KINDS: dict[str, Kind] = {
    "as_of": DAY, "known_at": DAY, "unit": TEXT, "units": UNITS, "all_units": FLAG,
    "data": TEXT, "out": TEXT, "notebook": TEXT, "rules": RULES, "title": TEXT,
    "pdf": FLAG, "sensitivity": FLAG,
}  # fmt: skip
SETTINGS_KEYS = tuple(KINDS)


def report_settings(
    file: str | os.PathLike | None,
    *,
    data: str | None = None,
    as_of: str | None = None,
    units: list[str] | None = None,
    all_units: bool = False,
    overrides: dict[str, Any] | None = None,
    notebook: str | None = None,
    known_at: str | None = None,
    out: str | os.PathLike | None = None,
    default_data: str,
) -> dict[str, Any]:
    """A report's settings: those of a YAML file (``-f``), with the ones given on the
    command line on top. A file that can't be used is a ParamsError (see the module)."""
    settings = read_settings(file) if file else {}
    rules = dict(settings.get("rules") or {})
    rules.update(overrides or {})
    given = units or list(
        settings.get("units") or ([settings["unit"]] if settings.get("unit") else [])
    )
    return {
        "data": data or settings.get("data") or default_data,
        "as_of": as_of or (str(settings["as_of"]) if settings.get("as_of") else None),
        "units": given,
        "all_units": all_units or bool(settings.get("all_units")),
        "overrides": rules,
        "notebook": notebook or settings.get("notebook") or DEFAULT_NOTEBOOK,
        "title": settings.get("title"),
        "known_at": known_at or (str(settings["known_at"]) if settings.get("known_at") else None),
        "out": out or settings.get("out") or "reports",
        "pdf": bool(settings.get("pdf")),
        "sensitivity": settings.get("sensitivity"),
    }


def read_settings(file: str | os.PathLike) -> dict[str, Any]:
    """The settings of one YAML file, every key known and every value of its kind (keys
    left empty are left out); anything else is a ParamsError naming the file."""
    text = _read_text(file)
    try:
        settings = yaml.load(text, Loader=_NoAliasLoader)  # a SafeLoader, without aliases
    except _AliasRefused as exc:
        raise ParamsError(
            f"参数文件 {file} 第 {exc.line} 行用了 YAML 的锚点、别名或合并键(&、*、<<):"
            "参数文件不接受,请把每个值直接写出"
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"第 {mark.line + 1} 行第 {mark.column + 1} 列附近" if mark else ""
        raise ParamsError(
            f"无法读取参数文件 {file}:{where}不是有效的 YAML(请检查冒号、缩进和引号)"
        ) from None
    except RecursionError:
        raise ParamsError(f"无法读取参数文件 {file}:括号嵌套过深,不像是参数文件") from None
    return _checked(file, settings if settings is not None else {})


def _read_text(file: str | os.PathLike) -> str:
    """The file's text: at most MAX_BYTES, in UTF-8 (a BOM allowed) or GB18030."""
    try:
        with open(file, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ParamsError(f"无法读取参数文件 {file}:{exc.strerror}") from None
    if len(raw) > MAX_BYTES:
        raise ParamsError(
            f"参数文件 {file} 超过 {MAX_BYTES // 1024} KB,不像是参数文件(参数文件只有几行)"
        )
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ParamsError(f"参数文件 {file} 的编码无法识别,请以 UTF-8 编码保存")


class _AliasRefused(Exception):
    """An anchor, an alias or a merge key, at this line of the file."""

    def __init__(self, mark: yaml.Mark) -> None:
        super().__init__(mark.line + 1)
        self.line = mark.line + 1


class _NoAliasLoader(yaml.SafeLoader):
    """PyYAML's SafeLoader that stops at the first anchor, alias or merge key, before
    anything is built from it."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _AliasRefused(event.start_mark)
        return super().compose_node(parent, index)

    def flatten_mapping(self, node: Any) -> None:
        for key, _ in node.value:
            if key.tag == "tag:yaml.org,2002:merge":
                raise _AliasRefused(key.start_mark)
        super().flatten_mapping(node)


def _checked(file: str | os.PathLike, settings: Any) -> dict[str, Any]:
    """The settings if they are a mapping of known keys to values of their kind."""
    if not isinstance(settings, dict):
        raise ParamsError(f"参数文件 {file} 应为“键: 值”的映射")
    unknown = sorted(str(k) for k in settings if k not in KINDS)
    if unknown:
        raise ParamsError(f"参数文件 {file} 中有未知的键:{'、'.join(unknown)}")
    given = {k: v for k, v in settings.items() if v is not None}
    for key, value in given.items():
        _check(file, key, value, KINDS[key])
    for name, value in (given.get("rules") or {}).items():
        _check(file, f"rules 的 {name}", value, RULE_VALUE)
    return given


def _check(file: str | os.PathLike, key: str, value: Any, kind: Kind) -> None:
    """ParamsError naming the file and the key unless the value is of its kind."""
    if not kind.admits(value):
        raise ParamsError(f"参数文件 {file} 中「{key}」应为{kind.words},实为{_shown(value)}")


def _shown(value: Any) -> str:
    """A value as a clerk would name it: its kind, and the value itself if short."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"数字 {value}"
    if isinstance(value, str):
        return f"文字「{value[:30]}」"
    if isinstance(value, dt.date):
        return f"日期 {value}"
    if value is None:
        return "空"
    return {list: "列表", dict: "映射"}.get(type(value), "其他")
