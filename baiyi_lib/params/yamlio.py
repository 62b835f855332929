"""Reading params YAML strictly, with the SHA-256 of its bytes, and checking what was read.

Owns the strict loader (duplicate keys refused, impossible dates named by line, integers as
YAML 1.2 writes them), ``read_yaml``, the ``Checker`` that collects every problem of one
file before raising them together, and ``vocabulary`` (a list of names with their other
spellings). What a file's mappings hold is declared in ``schema`` and ``schema_rules``.
May import only ``baiyi_lib.errors`` (and PyYAML).
"""

from __future__ import annotations

import copy
import hashlib
import re
from pathlib import Path
from typing import Any

import yaml

from ..errors import ParamsError

# libyaml's parser where PyYAML was built with it (the pure-Python one is ~10× slower and
# was a fifth of a command's start-up); the constructors and resolvers below are Python's
# either way, so what is read is the same.
_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_Base):  # type: ignore[misc, valid-type]
    """SafeLoader that refuses duplicate keys instead of silently keeping the last."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise ParamsError(
                f"重复的键「{key}」(第 {seen[key] + 1} 行和第 {key_node.start_mark.line + 1} 行)"
            )
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _construct_date(loader: _StrictLoader, node: yaml.ScalarNode) -> Any:
    """A date as YAML reads it (2019-05-31), or a ParamsError naming the line of one that
    does not exist (2019-02-30), not Python's English ValueError."""
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        raise ParamsError(
            f"第 {node.start_mark.line + 1} 行:日期「{node.value}」不存在(月份或日子写错了)"
        ) from None


_StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_date)
# Integers as people write them (YAML 1.2): 10, -30, 0. YAML 1.1 also reads -010 as octal -8,
# -1:30 as base-60 -90 and 1_0 as 10; here those stay text and the type check refuses them.
_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:int"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789")
)


# What each params file's bytes parsed to, by their SHA-256: a process that loads the rules
# again (a report run records its entry, a kernel renders one unit after another) reads the
# files again but does not parse the same bytes twice (0.4 s a time). Copies go out.
_PARSED: dict[str, Any] = {}
_PARSED_MAX = 64


def read_yaml(path: Path) -> tuple[Any, str]:
    """Parse one YAML file strictly; return the data and the SHA-256 of its bytes."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ParamsError(f"{path}: 无法读取参数文件({exc.strerror})") from exc
    digest = hashlib.sha256(raw).hexdigest()
    if digest in _PARSED:
        return copy.deepcopy(_PARSED[digest]), digest
    data = _parse(path, raw)
    if len(_PARSED) >= _PARSED_MAX:
        _PARSED.clear()
    _PARSED[digest] = copy.deepcopy(data)
    return data, digest


def _parse(path: Path, raw: bytes) -> Any:
    """The YAML in ``raw`` (the bytes of ``path``), read strictly."""
    try:
        data = yaml.load(raw.decode("utf-8"), Loader=_StrictLoader)
    except ParamsError as exc:
        raise ParamsError(f"{path}: {exc}") from exc
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ParamsError(f"{path}: 不是有效的 YAML 文件({exc})") from exc
    return data


class Checker:
    """Collects every problem in one params file, then raises them together: the shape
    errors of its declared models (``strict.validate``) and the checks in code."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.errors: list[str] = []

    def error(self, key: str, message: str) -> None:
        self.errors.append(f"{self.path.name}: {key}: {message}")

    def raise_if_any(self) -> None:
        if self.errors:
            raise ParamsError("参数文件有误:\n" + "\n".join(f"  - {e}" for e in self.errors))


def vocabulary(c: Checker, key: str, value: Any) -> dict[str, tuple[str, ...]]:
    """A vocabulary of rules.yaml (levels, forms): a list of names, or a mapping from each
    name to its other spellings in the ledgers. Names and spellings must not collide: one
    spelling means one code, and a spelling nobody declared is an error when loading."""
    if isinstance(value, list):
        value = dict.fromkeys(value)
    if not isinstance(value, dict):
        return {}
    out: dict[str, tuple[str, ...]] = {}
    owner: dict[str, str] = {}
    for name, spellings in value.items():
        spellings = spellings or []
        if not isinstance(name, str) or not name.strip():
            c.error(key, f"名称应为非空文字,实为 {name!r}")
            continue
        if not isinstance(spellings, list) or not all(isinstance(x, str) for x in spellings):
            c.error(f"{key}.{name}", "其他写法应为文字列表")
            continue
        for spelling in (name, *spellings):
            folded = "".join(spelling.split()).upper()
            if owner.get(folded, name) != name:
                c.error(f"{key}.{name}", f"写法「{spelling}」已属于「{owner[folded]}」")
            owner[folded] = name
        out[name] = (name, *(x for x in spellings if x != name))
    if not out:
        c.error(key, "不能为空")
    return out
