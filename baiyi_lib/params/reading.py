"""ledgers.yaml: how ledgers are read as people write them ("none" spellings, serial and
total markers, dispute categories, posts, warning outcomes, the shape of an id).

Owns Reading and ``load_reading``. May import ``yamlio``, ``text``, ``schema`` (its
declared shape) and ``strict`` (validation).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .text import fold, squash
from .yamlio import Checker, read_yaml, vocabulary


@dataclass(frozen=True)
class Reading:
    """How ledgers are read as people write them (ledgers.yaml): "none" spellings, serial
    and total markers, the dispute categories (纠纷类别) with their other spellings, and
    the shape of an id."""

    placeholders: frozenset[str]
    serial_headers: frozenset[str]
    total_words: tuple[str, ...]
    dispute_categories: dict[str, tuple[str, ...]]
    id_max_chars: int
    id_max_han: int
    id_need_digit: bool
    sha256: str
    # the Chinese words an id may hold besides the units' names (ids.words)
    id_words: frozenset[str] = frozenset()
    # the pinyin syllables (upper case) and the letters a run needs to be read as a name
    id_syllables: frozenset[str] = frozenset()
    id_pinyin_letters: int = 4
    id_pinyin_words: frozenset[str] = frozenset()  # read as pinyin, name no one (JUNAN)
    id_pinyin_refused: bool = False  # letters spelling a name in pinyin refuse an id
    # the words a file's or sheet's name is written with besides the units' and the
    # ledgers' names (file_names): other Chinese in a name is shown by its length
    file_words: frozenset[str] = frozenset()
    surnames: frozenset[str] = frozenset()  # a person's name in a name begins with one
    # the posts a 包案领导 cell may hold (职务, never a name), with their other spellings
    posts: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False)
    # what became of a pushed warning (预警信息 处置结果), with other spellings
    warning_outcomes: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False)

    def post_lookup(self) -> dict[str, str]:
        """Every accepted spelling of a post (spaces removed) → the post."""
        return {"".join(s.split()): name for name, spellings in self.posts.items()
                for s in spellings}  # fmt: skip

    def dispute_lookup(self) -> dict[str, str]:
        """Every accepted spelling of a dispute category (squashed) → its category."""
        return {squash(s): name for name, spellings in self.dispute_categories.items()
                for s in spellings}  # fmt: skip


def load_reading(path: Path) -> Reading:
    """Load ledgers.yaml: each list non-empty, the categories a vocabulary whose spellings
    do not collide, the id limits positive."""
    data, digest = read_yaml(path)
    c = Checker(path)
    from .schema import LedgersFile  # pydantic only when a file is checked
    from .strict import validate

    spec = validate(c, LedgersFile, data, "ledgers")
    c.raise_if_any()
    assert spec is not None
    lists = {}
    for key in ("placeholders", "serial_headers", "total_words"):
        lists[key] = getattr(spec, key).values
        if not lists[key]:
            c.error(f"{key}.values", "应为非空的文字列表")
    categories = vocabulary(c, "dispute_categories.values", spec.dispute_categories.values)
    posts: dict[str, tuple[str, ...]] = {}
    if spec.posts is not None:
        posts = vocabulary(c, "posts.values", spec.posts.values)
    outcomes: dict[str, tuple[str, ...]] = {}
    if spec.warning_outcomes is not None:
        outcomes = vocabulary(c, "warning_outcomes.values", spec.warning_outcomes.values)
    for key in ("max_chars", "max_han"):
        if getattr(spec.ids, key) < 1:
            c.error(f"ids.{key}", "应为正整数")
    if spec.ids.pinyin.min_letters < 2:
        c.error("ids.pinyin.min_letters", "应为不小于 2 的整数")
    py = spec.ids.pinyin
    for key, values in (("initials", py.initials), ("finals", py.finals), ("words", py.words)):
        if (not values and key != "words") or not all(v.isascii() and v.isalpha() for v in values):
            c.error(f"ids.pinyin.{key}", "应为非空的拼音字母列表")
    if not all(w.strip() and w.strip() == w for w in spec.ids.words):
        c.error("ids.words", "每一项应为不含空格的文字")
    c.raise_if_any()
    return Reading(
        placeholders=frozenset(fold(v) for v in lists["placeholders"]),
        serial_headers=frozenset(fold(v) for v in lists["serial_headers"]),
        total_words=tuple(fold(v) for v in lists["total_words"]),
        dispute_categories=categories,
        id_max_chars=spec.ids.max_chars,
        id_max_han=spec.ids.max_han,
        id_need_digit=spec.ids.need_digit,
        id_words=frozenset(spec.ids.words),
        id_syllables=frozenset((i + f).upper() for i in ("", *py.initials) for f in py.finals),
        id_pinyin_letters=py.min_letters,
        id_pinyin_words=frozenset(w.upper() for w in py.words),
        id_pinyin_refused=py.refuse,
        file_words=frozenset(spec.file_names.values if spec.file_names else ()),
        surnames=frozenset(spec.file_names.surnames if spec.file_names else ()),
        sha256=digest,
        posts=posts,
        warning_outcomes=outcomes,
    )
