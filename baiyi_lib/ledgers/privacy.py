"""Cases, never people: refuse personal data in ledgers (ledger-format.md, "Bad input").

A header that names personal data (姓名, 信访人, 身份证, 电话, 住址, …), an 18-character
resident ID number with a valid check digit, or an 11-digit mobile number is refused. The
number is never echoed in full: messages show a masked form.
"""

from __future__ import annotations

import re

import pandas as pd

# Header words that announce personal data about a petitioner.
PII_HEADER_WORDS = (
    "姓名",
    "名字",
    "信访人",
    "上访人",
    "来访人",
    "当事人",
    "身份证",
    "证件号",
    "电话",
    "手机",
    "联系方式",
    "住址",
    "地址",
    "家庭住址",
    "户籍",
    "name",
    "phone",
    "mobile",
    "address",
    "idcard",
    "id_number",
)

# 18-character resident ID: 6-digit area, birth date 19xx/20xx, 3-digit sequence, check char.
_ID_RE = re.compile(
    r"(?<![0-9A-Za-z])([1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[0-9Xx])(?![0-9A-Za-z])"
)
# Mainland mobile: 11 digits starting 13-19, not part of a longer digit run.
_MOBILE_RE = re.compile(r"(?<!\d)(1[3-9]\d{9})(?!\d)")

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def is_pii_header(header: str) -> bool:
    """Whether a column header names personal data."""
    low = "".join(str(header).split()).lower()
    return any(word in low for word in PII_HEADER_WORDS)


def valid_resident_id(number: str) -> bool:
    """GB 11643 check: the 18th character is the weighted-sum check character."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


def mask(value: str) -> str:
    """Keep the first three and last two characters of a number, star the rest."""
    if len(value) <= 5:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 5) + value[-2:]


def mask_text(text: str) -> str:
    """The text with every ID or mobile number in it masked."""
    text = _ID_RE.sub(lambda m: mask(m.group(1)), text)
    return _MOBILE_RE.sub(lambda m: mask(m.group(1)), text)


def scan_cells(values: pd.Series) -> pd.Series:
    """For each cell: '' if clean, else what it holds ('身份证号码' or '手机号码').

    Vectorised pre-filter (cells with 11+ digit runs only), exact check on those few.
    """
    out = pd.Series("", index=values.index, dtype=object)
    text = values.dropna()
    if text.empty:
        return out
    text = text.astype(str)
    candidates = text[text.str.contains(r"\d{11}", regex=True)]
    for idx, cell in candidates.items():
        ids = [m for m in _ID_RE.findall(cell) if valid_resident_id(m)]
        if ids:
            out.at[idx] = "身份证号码"
        elif _MOBILE_RE.search(cell):
            out.at[idx] = "手机号码"
    return out
