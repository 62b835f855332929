"""Cases, never people: find personal data in ledgers so that the loader can refuse it.

What is refused (docs/使用说明.md, 台账; 个人信息保护法, minimum necessary):

- a header that names personal data: 姓名, 信访人, 联系人, 反映人, 申请人, 身份证, 电话, 微信,
  QQ, 邮箱, E-mail, 住址 … (Chinese words anywhere in the header, English words as whole
  words, so that 内部人员 or "hotel" pass);
- a resident ID number: 18 characters (valid GB 11643 check character: 身份证号码; a province
  code and a real birth date with a wrong check character, e.g. an ID typed into a number
  cell that lost its last digits: 疑似身份证号码) or the old 15-digit form;
- a mainland mobile number, however it is written: 13800138000, 138 0013 8000,
  138-0013-8000, +86 138…, 0086138…, full-width digits.

The scan runs on the cell as written, on its NFKC form (full-width → ASCII) and on that
form with every space removed (what the loader makes of an id), so that no normalisation
can turn a refused value into an accepted one. A detected value is never shown in full:
``mask_text`` is the one way any text read from a ledger reaches a message.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .coded import Coded, code

# Chinese header words that announce personal data (matched anywhere in the header).
PII_HEADER_WORDS = (
    "姓名",
    "名字",
    "信访人",
    "上访人",
    "来访人",
    "访民",
    "上访者",
    "当事人",
    "联系人",
    "反映人",
    "申请人",
    "被访人",
    "投诉人",
    "举报人",
    "求助人",
    "监护人",
    "家属",
    "身份证",
    "证件",
    "护照",
    "电话",
    "手机",
    "联系方式",
    "微信",
    "邮箱",
    "电子邮件",
    "住址",
    "地址",
    "住所",
    "居住地",
    "户籍",
    "籍贯",
    "出生",
    "年龄",
    "性别",
    "民族",
    "银行卡",
    "车牌",
)
# English header words that announce personal data (matched as whole words).
PII_HEADER_TOKENS = frozenset(
    {
        "name",
        "names",
        "fullname",
        "firstname",
        "lastname",
        "surname",
        "phone",
        "telephone",
        "tel",
        "mobile",
        "cellphone",
        "wechat",
        "weixin",
        "qq",
        "email",
        "mail",
        "address",
        "addr",
        "idcard",
        "idno",
        "idnumber",
        "passport",
        "birthday",
        "birthdate",
        "dob",
        "gender",
    }
)

_GAP = r"[ \t\u00a0\-./_,、]{0,2}"  # what people put between digit groups
_MOBILE_RE = re.compile(
    r"(?<!\d)(?:\(?\s*(?:\+|00)?\s*86\s*\)?[ \t\-]{0,2})?"
    rf"(1[3-9]\d(?:{_GAP}\d){{8}})(?!\d)"
)
_ID18_RE = re.compile(
    rf"(?<!\d)([1-9](?:{_GAP}\d){{5}}{_GAP}(?:18|19|20)(?:{_GAP}\d){{2}}"
    rf"{_GAP}[01](?:{_GAP}\d){{3}}(?:{_GAP}\d){{3}}{_GAP}[0-9Xx])(?![0-9])"
)
_ID15_RE = re.compile(rf"(?<!\d)([1-9](?:{_GAP}\d){{14}})(?!\d)")
_DIGITS = re.compile(r"[^0-9Xx]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

ID = "身份证号码"
SUSPECTED_ID = "疑似身份证号码"
MOBILE = "手机号码"


def is_pii_header(header: object) -> bool:
    """Whether a column header names personal data."""
    text = unicodedata.normalize("NFKC", str(header)).lower()
    squashed = "".join(text.split())
    if any(word in squashed for word in PII_HEADER_WORDS):
        return True
    compact = re.sub(r"[\s\-_.·]", "", text)
    tokens = set(re.split(r"[^a-z0-9]+", text)) | {compact}
    return bool(tokens & PII_HEADER_TOKENS)


# what a header that names personal data holds besides the words that announce it
_HEADER_FILLER = frozenset("号码名称信息方式联系的及或与、/()()·-_ ")


def shown_header(header: object) -> str:
    """A header refused as naming personal data, as a message may show it: as written
    when it holds nothing but those words (联系电话, 身份证号码, tel), else by its length —
    the rest may be the person's name (联系人王建国, 信访人李秀英)."""
    text = str(header)
    squashed = "".join(unicodedata.normalize("NFKC", text).lower().split())
    for word in sorted((*PII_HEADER_WORDS, *PII_HEADER_TOKENS), key=len, reverse=True):
        squashed = squashed.replace(word, "")
    return mask_text(text) if set(squashed) <= _HEADER_FILLER else length_only(text)


def valid_resident_id(number: str) -> bool:
    """GB 11643 check: the 18th character is the weighted-sum check character."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


# The first two digits of a resident ID: the province-level division (GB/T 2260).
_PROVINCES = frozenset(
    {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46}
    | {50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83, 91}
)


def _plausible_id(digits: str, birth: str) -> bool:
    """A province code and a real birth date where an ID number has them."""
    return int(digits[:2]) in _PROVINCES and _plausible_birth(birth)


def _plausible_birth(digits: str) -> bool:
    """An 8-digit yyyymmdd that is a real day."""
    try:
        y, m, d = int(digits[:4]), int(digits[4:6]), int(digits[6:8])
        return (
            1880 <= y <= 2030
            and 1 <= m <= 12
            and 1 <= d <= [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
        )
    except ValueError:
        return False


def find(text: str) -> list[tuple[int, int, str]]:
    """Spans of personal numbers in one text: (start, end, what), non-overlapping."""
    spans: list[tuple[int, int, str]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e, _ in spans)

    for m in _ID18_RE.finditer(text):
        digits = _DIGITS.sub("", m.group(1))
        if len(digits) == 18 and _plausible_id(digits, digits[6:14]):
            what = ID if valid_resident_id(digits) else SUSPECTED_ID
            spans.append((m.start(1), m.end(1), what))
    for m in _ID15_RE.finditer(text):
        digits = _DIGITS.sub("", m.group(1))
        if free(m.start(1), m.end(1)) and _plausible_id(digits, "19" + digits[6:12]):
            spans.append((m.start(1), m.end(1), ID))
    for m in _MOBILE_RE.finditer(text):
        if free(m.start(), m.end()):
            spans.append((m.start(), m.end(), MOBILE))
    return sorted(spans)


def _forms(text: str) -> list[str]:
    """The cell as written, its NFKC form, and that form without spaces."""
    nfkc = unicodedata.normalize("NFKC", text)
    return [text, nfkc, "".join(nfkc.split())]


def detect(text: object) -> str:
    """What personal number a cell holds ('' if none), in any of its forms."""
    if text is None:
        return ""
    found = [what for form in _forms(str(text)) for _, _, what in find(form)]
    for what in (ID, MOBILE, SUSPECTED_ID):
        if what in found:
            return what
    return ""


def mask(value: str) -> str:
    """Keep the first three and last two digits of a number, star the rest."""
    digits = _DIGITS.sub("", value) or value
    if len(digits) <= 5:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 5) + digits[-2:]


def sanitise(text: str) -> str:
    """Control characters made visible (\\x1b), so a message can't drive the terminal."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def mask_text(text: object) -> str:
    """The text as it may be shown: personal numbers masked (in whichever form they were
    found), control characters made visible. Every ledger text reaches messages, pages and
    exports through this function."""
    s = unicodedata.normalize("NFKC", str(text))
    if _digit_count(s) >= 11:
        for form in (s, "".join(s.split())):
            spans = find(form)
            if spans:
                out, last = [], 0
                for a, b, _ in spans:
                    out += [form[last:a], mask(form[a:b])]
                    last = b
                s = "".join([*out, form[last:]])
                break
    return sanitise(s)


# words beside a number: Chinese characters or Latin letters (not the X of an ID number)
WORDS = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[A-Za-z]{2,}")


def length_only(text: str) -> str:
    """A text shown by its length only, never any of its characters."""
    return f"(共 {len(text)} 字,原文未显示)"


def shown(text: object) -> str:
    """Text that holds a personal number, as a message may show it: the number masked
    when the text holds nothing else (13912345678 → 139******78); its length only when
    words stand beside the number, for they may name the person (联系人李四 139…). Text
    without a personal number is ``mask_text``'s."""
    s = str(text)
    if detect(s) and WORDS.search(unicodedata.normalize("NFKC", s)):
        return length_only(s)
    return mask_text(s)


def shown_name(name: str) -> str:
    """A sheet's name as messages show it: as written, unless it holds a personal number
    (then ``shown``: masked, or its length where words stand beside it)."""
    return shown(name) if detect(name) else name


def _digit_count(s: str) -> int:
    return sum(ch.isdigit() for ch in s)


@dataclass
class CellFlags:
    """What the cell check found in one column, per distinct value (``coded``): the
    personal number held ('' if none), whether it holds a control character, and its
    length in characters. ``rows`` spreads a per-value mask to the rows."""

    personal: np.ndarray
    control: np.ndarray
    length: np.ndarray
    coded: Coded

    def rows(self, per_value: np.ndarray) -> np.ndarray:
        return self.coded.spread(per_value)


def check_cells(values: pd.Series, coded: Coded | None = None) -> CellFlags:
    """Look at every cell of a column once per distinct value, as written (``coded``:
    the column already factorised).

    Number cells are written out in full (1.38e10 → 13800138000) before they are
    scanned; only values with eleven digits or more are examined for personal numbers.
    """
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        n = len(values)
        personal = np.full(n, "", dtype=object)
        big = np.abs(values.to_numpy(dtype=float, na_value=0.0)) >= 1e10
        for i in np.flatnonzero(big):
            personal[i] = detect(_as_text(values.iat[i]))
        return CellFlags(personal, np.zeros(n, bool), np.zeros(n, int), code(values))
    coded = coded if coded is not None else code(values)
    raw = coded.uniques.to_numpy(dtype=object)[:-1]  # the last one stands for blanks
    facts = coded.facts()
    is_str = facts.text[:-1]
    length = np.where(is_str, facts.length[:-1], 0)
    found = np.full(len(raw) + 1, "", dtype=object)
    # eleven digits need eleven characters; an ASCII value's digits are counted at once
    long_text = is_str & (length >= 11)
    scan = long_text & facts.ascii[:-1] & (facts.digits[:-1] >= 11)
    wide = np.flatnonzero(long_text & ~facts.ascii[:-1])
    digits = pd.Series(raw[wide], dtype=object).str.count(r"\d").to_numpy()
    scan[wide[digits >= 11]] = True
    others = np.flatnonzero(~is_str)  # numbers in a text column, written out in full
    shown = pd.Series([_as_text(u) for u in raw[others]], dtype=object)
    long_other = (shown.str.len() >= 11).to_numpy(bool)
    counted = shown[long_other].str.count(r"\d").to_numpy()
    scan[others[np.flatnonzero(long_other)[counted >= 11]]] = True
    for i in np.flatnonzero(scan):
        found[i] = detect(raw[i] if is_str[i] else _as_text(raw[i]))
    return CellFlags(found, facts.control & facts.text, np.append(length, 0), coded)


def mask_column(values: pd.Series) -> pd.Series:
    """``mask_text`` over a column of message text, once per distinct value, looking
    closely only at values that could hold a personal number or a control character."""
    codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
    text = pd.Series(np.asarray(uniques, dtype=object)).astype(str)
    suspect = (text.str.count(r"\d") >= 11) | text.str.contains(_CONTROL.pattern, regex=True)
    masked = text.where(~suspect, text[suspect].map(mask_text))
    out = np.append(masked.to_numpy(dtype=object), None)[np.where(codes < 0, len(text), codes)]
    return pd.Series(out, index=values.index, dtype=object)


def _as_text(value: object) -> str:
    """A raw cell as text, number cells written out in full (1.38e10 → 13800138000)."""
    if isinstance(value, float | np.floating) and np.isfinite(value) and float(value).is_integer():
        return str(int(value))
    return str(value)
