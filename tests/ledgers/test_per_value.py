"""Cells are judged once per distinct value (issue 19) and spread back to their rows: a
cell's problems must not depend on the other rows of its column. Each generated frame is
checked whole and row by row (a one-row frame: its only value is its own); apart from
the checks across rows (repeated ids) the two problem tables are the same."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from support import RULES

from baiyi_lib import check_ledgers
from baiyi_lib.ledgers.coded import code, text_facts

# values people write, typed as Excel and CSV give them: blanks, "none", names, personal
# numbers, control characters, near misses, numbers and dates in text columns
ANY = [None, np.nan, "", " ", "无", "N/A", "—", "王小明", "欧阳娜娜", "电话13912345678",
       "138 0013 8000", "１３８００１３８０００", "11010119900307451X", "a\x01b", "x" * 300,
       "Zhang San", "\u200b", "3", 3, 3.0, 1, True, False, 13800138000.0,
       dt.date(2019, 3, 5), pd.Timestamp("2019-03-05 14:30"), "２０１９-03-05"]  # fmt: skip
COLUMN = {
    "visit_id": ["V1", "v 2", "Ｖ3", "NSZ-2019-001", "nsz-2019-002", "莒水信访〔2019〕3号",
                 "有人来反映了问题很多很多很多的"],
    "date": ["2019-03-05", "2019/3/5", "2019年3月5日", 20190305, 43529, "2019-02-30", "下周三"],
    "unit": ["农水站", "火星站", "农水占", "农水站张伟", "nsz", " 农水站 "],
    "level": ["进京", "去省", "到市", "来县", "到乡", "京", "进 京"],
    "form": ["个体", "集体", "个", "团体"],
    "persons": ["1", "3人", "0", "三人", "99999999999999999999", 5, 2.0],
    "irregular": ["是", "否", "Y", "n", "1", "√", "否王伟"],
    "case_id": ["C1", "c1", "无案件编号", "王小明", "C 2"],
}  # fmt: skip


def _frame(seed: int, n: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    out = {}
    for name, own in COLUMN.items():
        pool = own + ANY
        out[name] = pd.Series([pool[i] for i in rng.integers(0, len(pool), n)], dtype=object)
    out["visit_id"] = [f"V{i}" if rng.random() < 0.7 else v for i, v in
                       enumerate(out["visit_id"])]  # fmt: skip
    return pd.DataFrame(out)


def _problems(frame: pd.DataFrame, first_row: int = 2) -> pd.DataFrame:
    p = check_ledgers({"visits": frame}, RULES).problems
    p = p[p["check"] != "rows.unique"].copy()
    p["row"] = p["row"] + (first_row - 2)
    return p


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_cells_problems_do_not_depend_on_the_other_rows(seed):
    frame = _frame(seed, 40)
    whole = _problems(frame)
    alone = pd.concat(
        [_problems(frame.iloc[[i]].reset_index(drop=True), i + 2) for i in range(len(frame))]
    )
    key = ["row", "column", "check", "value", "problem"]
    whole = whole.sort_values(key).reset_index(drop=True)
    alone = alone.sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(whole[key], alone[key], check_dtype=False)


def test_values_of_different_types_never_share_a_code():
    # pandas hashes 1, 1.0 and True alike; as cells they are 1, 1 and TRUE
    coded = code(pd.Series([1, True, 1.0, "1", None, np.nan, True], dtype=object))
    assert [type(v) for v in coded.uniques] == [int, bool, float, str, type(None)]
    assert list(coded.codes) == [0, 1, 2, 3, 4, 4, 1]


def test_character_facts_agree_with_a_call_per_value():
    values = np.array(["V1", "nsz-1", "", " V1", "V\x01", "王1", "１２", "Ab", None, 3,
                       "a\x9fb", "x" * 20, "\ud800"], dtype=object)  # fmt: skip
    facts = text_facts(values)
    for i, v in enumerate(values):
        text = isinstance(v, str)
        assert facts.text[i] == text
        if not text:
            continue
        assert facts.length[i] == len(v)
        plain = v.isascii() and v.isprintable() and " " not in v and v != ""
        assert facts.plain[i] == plain, v
        assert facts.ascii[i] == v.isascii()
        assert facts.lower[i] == any("a" <= ch <= "z" for ch in v)
        assert facts.digits[i] == sum("0" <= ch <= "9" for ch in v)


def test_a_coded_columns_facts_agree_with_the_facts_of_its_values():
    # the fast path (every distinct value text, the blank last) and the mixed one
    for cells in (["V1", None, "王1", "V1", "a\x01"], ["V1", 3, None, "王1", 3.5]):
        coded = code(pd.Series(cells, dtype=object))
        whole = text_facts(coded.uniques.to_numpy(dtype=object))
        facts = coded.facts()
        for name in ("text", "length", "plain", "ascii", "lower", "digits", "control"):
            assert list(getattr(facts, name)) == list(getattr(whole, name)), name


@pytest.mark.parametrize(
    "ids",
    [
        ["C10", "C9", "C1", "c1", "X-2", "王1", "１２", "", "a\x00", "a", "Ab"],
        ["b\x00\x00", "b\x00", "b", "a"],  # alike but for trailing NULs (fixed width drops)
    ],
)
def test_shared_case_ids_are_sorted_as_pandas_sorts_them(ids):
    from baiyi_lib.ledgers.shape import share_case_ids

    tables = {k: pd.DataFrame({"case_id": pd.Series(ids[::-1], dtype=object)})
              for k in ("visits", "screening", "backlog")}  # fmt: skip
    rows = pd.DataFrame({"case_id": pd.Categorical(ids)})  # parsed: a categorical
    share_case_ids([tables["visits"], tables["screening"], rows, tables["backlog"]])
    expected = sorted(set(ids))
    for t in [*tables.values(), rows]:
        assert list(t["case_id"].cat.categories) == expected
    assert list(rows["case_id"].astype(object)) == ids


def test_shared_case_ids_hold_only_ids_some_row_holds():
    from baiyi_lib.ledgers.shape import share_case_ids

    refused = pd.Categorical(["C1", "C2", "C3"])[[0, 2]]  # C2's row refused
    tables = {k: pd.DataFrame({"case_id": pd.Series([], dtype=object)})
              for k in ("visits", "screening", "backlog")}  # fmt: skip
    tables["visits"] = pd.DataFrame({"case_id": refused})
    share_case_ids(list(tables.values()))
    assert list(tables["visits"]["case_id"].cat.categories) == ["C1", "C3"]
    assert list(tables["visits"]["case_id"].astype(object)) == ["C1", "C3"]


@pytest.mark.parametrize("second", ["v1", " V1 ", "Ｖ１", "V 1", "V1\u200b", "v１"], ids=repr)
def test_an_id_written_another_way_is_the_same_id(second):
    """Repeated ids are found on integer keys of the cleaned ids: ids that only a
    cleaning step makes equal (case, spaces, full width, invisible characters) repeat."""
    rows = [["V1", "2019-03-05", "农水站", "来县", "个体", "1"],
            [second, "2019-03-06", "农水站", "来县", "个体", "1"]]  # fmt: skip
    frame = pd.DataFrame(rows, columns=["visit_id", "date", "unit", "level", "form", "persons"])
    p = check_ledgers({"visits": frame.astype(object)}, RULES).problems
    assert p.loc[p["check"] == "rows.unique", "row"].tolist() == [3], p.to_string()


@pytest.mark.parametrize(
    "dash",
    [
        "\u2010",
        "\u2011",
        "\u2012",
        "\u2013",
        "\u2014",
        "\u2014\u2014",
        "\u2015",
        "\u2212",
        "\ufe58",
        "\ufe63",
        "\uff0d",
        "\u4e00",
        "\u2500",
        "\u30fc",
        "\u4e00\u4e00",
    ],
    ids=lambda d: f"U+{ord(d[0]):04X}x{len(d)}",
)
def test_an_id_typed_with_another_dash_is_the_same_id(dash):
    """XSK–2019–001 typed with a Chinese input method's dash is the case XSK-2019-001:
    a visit's case id that the screening holds with a hyphen is screened, not doubled."""
    other = f"XSK{dash}2019{dash}001"
    rows = [["V1", "2019-03-05", "农水站", "来县", "个体", "1", "XSK-2019-001"],
            ["V2", "2019-03-06", "农水站", "来县", "个体", "1", other]]  # fmt: skip
    cols = ["visit_id", "date", "unit", "level", "form", "persons", "case_id"]
    led = check_ledgers({"visits": pd.DataFrame(rows, columns=cols).astype(object)}, RULES)
    assert led.ledgers is not None
    assert led.ledgers.visits["case_id"].astype(str).tolist() == ["XSK-2019-001"] * 2


@pytest.mark.parametrize("written", ["一号楼2019-1", "XSK一号-1", "一2019-1"])
def test_a_chinese_one_that_is_not_between_letters_and_digits_stays(written):
    """一 stands for a hyphen only between the letters and digits of a code."""
    from baiyi_lib.ledgers.normalise import _clean_id

    assert "一" in _clean_id(written)
