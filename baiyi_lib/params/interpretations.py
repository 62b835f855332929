"""rules.yaml ``interpretations``: the named readings of ambiguous text, their defaults,
the values in force, and how an override (a CLI string) becomes one.

Owns Interpretation, ``coerce_interpretation`` and the loading of the interpretations.
May import ``yamlio``, ``schema_rules`` (the declared shape) and ``baiyi_lib.errors``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from ..errors import ParamsError
from .yamlio import Checker

if TYPE_CHECKING:  # the models (pydantic) are imported when a file is checked
    from .schema_rules import InterpretationSpec


@dataclass(frozen=True)
class Interpretation:
    """A named reading of ambiguous text, with its default and the value in force."""

    name: str
    label: str
    default: Any
    value: Any
    choices: tuple[str, ...] | None
    type: str | None
    clause: str
    note: str
    # each choice in words: choice → (label, what it means), from rules.yaml
    choice_words: dict[str, tuple[str, str]] = field(default_factory=dict, compare=False)
    unit: str = ""  # what an int value counts (分), for ``words``

    @property
    def is_default(self) -> bool:
        return self.value == self.default

    def value_words(self, value: Any = ...) -> str:
        """A value of this reading as the leading group says it (代替一般标准, 0 分, 10%,
        未设定); by default the value in force."""
        value = self.value if value is ... else value
        if value is None:
            return "未设定"
        if self.type == "ratio":
            share = float(value)
            return f"{share:.0%}" if round(share * 100) == share * 100 else f"{share:.1%}"
        if self.type == "int":
            return f"{value} {self.unit}".strip()
        return self.choice_words.get(str(value), (str(value), ""))[0]

    def words(self, value: Any = ...) -> str:
        """The reading and its value in words: 首起案件计分方式:代替一般标准."""
        return f"{self.label}:{self.value_words(value)}"

    def meaning(self, value: Any = ...) -> str:
        """What a choice means, in one line (empty for numbers)."""
        value = self.value if value is ... else value
        return self.choice_words.get(str(value), ("", ""))[1]


def coerce_interpretation(it: Interpretation, raw: Any) -> Any:
    """Turn an override (possibly a CLI string) into the interpretation's type, or refuse."""
    if it.choices is not None:
        value = str(raw).strip()
        if value not in it.choices:
            raise ParamsError(
                f"口径参数「{it.name}」的值「{raw}」无效,应为:{' / '.join(it.choices)}"
            )
        return value
    text = str(raw).strip().lower() if isinstance(raw, str) else raw
    if it.type == "int":
        try:
            if isinstance(text, bool):
                raise ValueError
            value = int(text)
            if isinstance(text, float) and text != value:
                raise ValueError
        except (TypeError, ValueError):
            raise ParamsError(f"口径参数「{it.name}」应为整数分值,实为「{raw}」") from None
        return value
    if it.type == "ratio":
        if text is None or text in ("", "none", "null"):
            return None
        try:
            if isinstance(text, bool):
                raise ValueError
            value = float(text)
        except (TypeError, ValueError):
            raise ParamsError(
                f"口径参数「{it.name}」应为 0 到 1 之间的比例,实为「{raw}」"
            ) from None
        if not 0 < value <= 1:
            raise ParamsError(f"口径参数「{it.name}」应为 0 到 1 之间的比例,实为「{raw}」")
        return value
    raise ParamsError(f"口径参数「{it.name}」的类型未定义")


def load_interpretations(
    c: Checker, specs: dict[str, InterpretationSpec]
) -> dict[str, Interpretation]:
    """rules.yaml ``interpretations`` (validated): each a choice among named readings or a
    number (int, ratio), its default coerced like an override."""
    out: dict[str, Interpretation] = {}
    for name, spec in specs.items():
        key = f"interpretations.{name}"
        if (spec.choices is None) == (spec.type is None):
            c.error(key, "须给出 choices(可选值)或 type(int / ratio)之一")
            continue
        if spec.type is not None and spec.type not in ("int", "ratio"):
            c.error(f"{key}.type", f"应为 int 或 ratio,实为 {spec.type!r}")
            continue
        words = {k: (w.label, w.means) for k, w in (spec.choices or {}).items()}
        it = Interpretation(
            name=name,
            label=spec.label,
            default=None,
            value=None,
            choices=tuple(words) if spec.choices is not None else None,
            type=spec.type,
            clause=spec.clause,
            note=spec.note,
            choice_words=words,
            unit=spec.unit,
        )
        try:
            default = coerce_interpretation(it, spec.value)
        except ParamsError as exc:
            c.error(f"{key}.value", str(exc))
            continue
        out[name] = replace(it, default=default, value=default)
    return out
