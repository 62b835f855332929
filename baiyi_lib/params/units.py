"""units.yaml: the scored units, their kinds, and every way their names are written.

Owns Unit, Units and ``load_units``. May import ``yamlio``, ``schema`` (its declared shape),
``strict`` (validation) and ``baiyi_lib.errors``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import UnknownUnitError
from .yamlio import Checker, read_yaml


@dataclass(frozen=True)
class Unit:
    id: str
    name: str
    kind: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Units:
    """The scored units, in the order of units.yaml, and how their names are written."""

    units: tuple[Unit, ...]
    sha256: str
    kinds: tuple[str, ...] = ()
    # the kind the office rule applies to (附件2 一(四) 末段: 局机关科室), if the method has one
    office_kind: str | None = None
    organisation: str = ""  # whose units they are, as form titles say it (莒南县水利系统)

    @property
    def names(self) -> list[str]:
        return [u.name for u in self.units]

    def lookup(self) -> dict[str, str]:
        """Every accepted spelling (name, alias, id), whitespace removed → canonical name."""
        table: dict[str, str] = {}
        for u in self.units:
            for spelling in (u.name, u.id, *u.aliases):
                table["".join(spelling.split())] = u.name
        return table

    def resolve(self, spelling: str) -> str:
        """The canonical name for a name, alias or id; UnknownUnitError otherwise."""
        table = self.lookup()
        key = "".join(str(spelling).split())
        if key not in table:
            raise UnknownUnitError(
                f"未知单位「{spelling}」(应为单位名单 units.yaml 中的名称、简称或代码)"
            )
        return table[key]

    def by_name(self, name: str) -> Unit:
        for u in self.units:
            if u.name == name:
                return u
        raise KeyError(name)


def load_units(path: Path) -> Units:
    """Load units.yaml: ids unique and ASCII, names and aliases unambiguous."""
    data, digest = read_yaml(path)
    c = Checker(path)
    from .schema import UnitsFile  # pydantic only when a file is checked
    from .strict import validate

    spec = validate(c, UnitsFile, data, "units.yaml")
    c.raise_if_any()
    assert spec is not None
    kinds = tuple(spec.kinds)
    if spec.office_kind is not None and spec.office_kind not in kinds:
        c.error("office_kind", f"「{spec.office_kind}」不在 kinds 中")
    units: list[Unit] = []
    owner: dict[str, str] = {}
    for i, u in enumerate(spec.units):
        key = f"units[{i}]"
        if not (u.id.isascii() and u.id.replace("_", "").isalnum()):
            c.error(f"{key}.id", f"应为简短的 ASCII 字母数字(用于文件名),实为 {u.id!r}")
        if u.kind not in kinds:
            c.error(f"{key}.kind", f"应为 {' 或 '.join(kinds)}(kinds),实为 {u.kind!r}")
        for spelling in (u.id, u.name, *u.aliases):
            norm = "".join(spelling.split())
            if norm in owner and owner[norm] != u.name:
                c.error(key, f"「{spelling}」同时指向「{owner[norm]}」和「{u.name}」")
            owner[norm] = u.name
        units.append(Unit(u.id, u.name, u.kind, tuple(u.aliases)))
    ids = [u.id for u in units]
    for dup in sorted({x for x in ids if ids.count(x) > 1}):
        c.error("units", f"单位 id「{dup}」重复")
    if not units:
        c.error("units", "至少需要一个单位")
    c.raise_if_any()
    return Units(tuple(units), digest, kinds, spec.office_kind, spec.organisation)
