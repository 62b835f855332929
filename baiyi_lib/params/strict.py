"""The declared models of params/*.yaml checked strictly, and their failures said in the
words the office reads (Chinese, naming the file and the key path).

Owns ``Strict`` (the base of every params model: an unknown key is refused, nothing is
coerced: a bool is not an int, a date with a time is not a date, a number is not text),
``Text`` (text that is not blank), ``one_of`` (a value of one of a few types, one
message), and ``validate``, the one place pydantic's error types become the lines of a
ParamsError. May import ``yamlio`` (the checker that gathers a file's problems) and
pydantic.

Start-up (measured when this came in): importing pydantic and building the ~46 models
costs every command 70-120 ms of CPU (pydantic_core ~18 ms, pydantic ~33 ms, the rest the
schemas pydantic generates in Python, ~1 ms a mapping); validating the five files adds
~1 ms. ``defer_build`` only moves the build to the first validation (every command
validates every file); a TypeAdapter over TypedDicts generates the same schemas. Going
under ~30 ms would mean building the core schemas ahead and using pydantic_core's
SchemaValidator alone.
"""

from __future__ import annotations

import types
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, PlainValidator, StringConstraints, ValidationError
from pydantic_core import PydanticCustomError

from .yamlio import Checker

M = TypeVar("M", bound=BaseModel)


class Strict(BaseModel):
    """A mapping of a params file: its keys are the fields, no other key is allowed, and
    every value has exactly the declared type (YAML's own: int, str, bool, date, list…)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


# Text a person wrote: a string with something other than spaces in it
Text = Annotated[str, StringConstraints(pattern=r"\S")]


def one_of(*kinds: type) -> Any:
    """A value of one of these YAML types (a list or a mapping; a bool or a word), checked
    as one type with one message (``类型应为 list/dict``) rather than pydantic's union."""
    names = "/".join(_YAML_NAMES.get(k, k.__name__) for k in kinds)

    def check(value: Any) -> Any:
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            raise PydanticCustomError("one_of_type", "类型应为 {expected}", {"expected": names})
        return value

    return Annotated[Any, PlainValidator(check)]


_YAML_NAMES: dict[type, str] = {type(None): "null"}
# pydantic's error type → the type a params file should have written there
_TYPE_ERRORS = {
    "int_type": "int",
    "string_type": "str",
    "bool_type": "bool",
    "float_type": "float",
    "date_type": "date",
    "dict_type": "dict",
    "model_type": "dict",
    "list_type": "list",
}
# pydantic's error types said as the checker always said them (the others: see _message)
TRANSLATED = (*_TYPE_ERRORS, "missing", "extra_forbidden", "string_pattern_mismatch",
              "one_of_type", "value_error")  # fmt: skip


def validate(c: Checker, model: type[M], data: Any, top: str, at: tuple = ()) -> M | None:
    """``data`` checked against ``model``; each problem is recorded on ``c`` (and None
    returned). ``top`` names the file's top mapping as its messages always did
    (``limits.files``, ``rules.yaml.columns``); ``at`` is where ``data`` sits in the file."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            loc = tuple(err["loc"])
            c.error(_key(top, at + loc), _message(model, loc, err))
        return None


def _key(top: str, loc: tuple) -> str:
    """A location as the messages write it: ``files.max_rows``, ``units[1].id``; a key of
    the top mapping after the file's name for it (``limits.files``, ``units.yaml.units``)."""
    if not loc:
        return top
    if len(loc) == 1:
        return f"{top}.{loc[0]}"
    out = ""
    for part, after in zip(loc, (*loc[1:], None), strict=True):
        if part == "[key]":
            continue
        index = isinstance(part, int) and after != "[key]"  # a list's, not a mapping's key 1
        out += f"[{part}]" if index else f"{'.' if out else ''}{part}"
    return out


def _message(model: type[BaseModel], loc: tuple, err: Any) -> str:
    """One pydantic error in the checker's words."""
    kind, value = err["type"], err.get("input")
    if kind == "missing":
        return "缺少必填的键"
    if kind == "extra_forbidden":
        owner = _unwrap(_annotation(model, loc[:-1]))
        fields = owner.model_fields if _is_model(owner) else {}
        # the required keys first, then the optional ones, each in the order declared
        keys = sorted(fields.items(), key=lambda kv: not kv[1].is_required())
        allowed = "、".join(f.alias or name for name, f in keys)
        return f"未知的键(允许的键:{allowed})"
    if kind == "string_pattern_mismatch":
        return "不能为空"
    if kind == "model_type" and not loc:
        return f"应为映射(键: 值),实为 {type(value).__name__}"
    if loc and loc[-1] == "[key]":
        return f"键应为文字,实为 {value!r}"
    if kind in _TYPE_ERRORS:
        names = _TYPE_ERRORS[kind]
        if _nullable(_annotation(model, loc)):
            names += "/null"
        return f"类型应为 {names},实为 {value!r}"
    if kind == "one_of_type":
        return f"{err['msg']},实为 {value!r}"
    if kind == "value_error":
        return str(err["ctx"]["error"])
    return err["msg"]  # not one a params model can raise; pydantic's words rather than none


def _annotation(model: type[BaseModel], loc: tuple) -> Any:
    """The declared type at a location inside ``model`` (None if it cannot be followed)."""
    tp: Any = model
    for part in loc:
        tp = _unwrap(tp)
        origin, args = get_origin(tp), get_args(tp)
        if _is_model(tp):
            by_key = {f.alias or name: f for name, f in tp.model_fields.items()}
            if part not in by_key:
                return None
            tp = by_key[part].annotation
        elif origin in (list, tuple) and args:
            tp = args[0]
        elif origin is dict and args:
            tp = args[0] if part == "[key]" else args[1]
        else:
            return None
    return tp


def _unwrap(tp: Any) -> Any:
    """A type without its Annotated metadata and without None as an alternative."""
    while get_origin(tp) is Annotated:
        tp = get_args(tp)[0]
    if get_origin(tp) in (Union, types.UnionType):
        rest = [a for a in get_args(tp) if a is not type(None)]
        if len(rest) == 1:
            return _unwrap(rest[0])
    return tp


def _nullable(tp: Any) -> bool:
    return get_origin(tp) in (Union, types.UnionType) and type(None) in get_args(tp)


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)
