"""Edges of the engine that the rule cases do not reach: an empty result has the same
columns and types as a full one, unknown codes are errors, and the case-id lookup gives
the same answer on any input types."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from support import ledgers, visit

from baiyi_lib import LedgerError, score
from baiyi_lib.scoring.doubling import screened_before
from baiyi_lib.scoring.points import EXCLUDED_COLUMNS


def test_an_empty_points_table_has_the_columns_and_types_of_a_full_one():
    full = score(ledgers(visits=[visit("V1", "2019-03-05", "农水站", "来县")])).points
    empty = score(ledgers()).points
    assert list(empty.columns) == list(full.columns)
    for col in full.columns:
        a, b = empty[col].dtype, full[col].dtype
        assert type(a) is type(b), col
        if isinstance(b, pd.CategoricalDtype) and col in ("unit", "rule_id", "level", "source"):
            assert list(a.categories) == list(b.categories), col
            assert a.ordered == b.ordered, col
    assert full["level"].dtype.ordered  # 进京 above 去省 above 到市 above 来县


def test_an_empty_result_still_has_the_columns_of_its_lists():
    """Nothing excluded and no quality remark: the tables are empty, not shapeless (the
    disclosures and the export read their columns)."""
    result = score(ledgers(visits=[visit("V1", "2019-03-05", "农水站", "来县", case_id="C1")]))
    assert result.excluded.empty and result.quality.empty
    assert list(result.excluded.columns) == EXCLUDED_COLUMNS
    assert list(result.quality.columns) == [
        "source", "source_id", "unit", "date", "issue", "src_file", "src_row",
    ]  # fmt: skip
    assert result.disclosures() == []
    assert list(score(ledgers()).excluded.columns) == EXCLUDED_COLUMNS


def test_a_form_the_rules_do_not_name_is_an_error_when_scoring():
    led = ledgers(visits=[visit("V1", "2019-03-05", "农水站", "来县")])
    led.visits["form"] = pd.Categorical(["团体"], categories=["团体"])
    with pytest.raises(LedgerError, match=r"走访形式「团体」不在 params/rules\.yaml 的 forms 中"):
        score(led)


def test_a_level_the_rules_do_not_name_is_an_error_when_scoring():
    led = ledgers(visits=[visit("V1", "2019-03-05", "农水站", "来县")])
    led.visits["level"] = pd.Categorical(["到乡"], categories=["到乡"])
    with pytest.raises(LedgerError, match=r"走访层级「到乡」不在 params/rules\.yaml 的 levels 中"):
        score(led)


def test_levels_and_forms_as_plain_text_score_like_the_loaders_categoricals():
    led = ledgers(
        visits=[
            visit("V1", "2019-03-05", "农水站", "到市", form="集体", persons=2),
            visit("V2", "2019-03-06", "工管站", "来县"),
        ]
    )
    want = score(led).points
    led.visits["level"] = led.visits["level"].astype(object)
    led.visits["form"] = led.visits["form"].astype(object)
    got = score(led).points
    assert got["points"].tolist() == want["points"].tolist()
    assert got["rule_id"].astype(str).tolist() == want["rule_id"].astype(str).tolist()


def test_screened_before_gives_the_same_answer_on_plain_and_categorical_case_ids():
    led = ledgers(
        visits=[
            visit("V1", "2019-03-05", "农水站", "来县", case_id="C1"),
            visit("V2", "2019-03-05", "农水站", "来县", case_id="C2"),
            visit("V3", "2019-03-05", "工管站", "来县", case_id="C1"),
            visit("V4", "2019-03-05", "农水站", "来县"),
        ],
        screening=[
            {"case_id": "C1", "unit": "农水站", "screened_on": "2019-03-05"},
            {"case_id": "C2", "unit": "农水站", "screened_on": "2019-03-06"},
        ],
    )
    fast = screened_before(led.visits, led.screening)
    plain_v = led.visits.assign(case_id=led.visits["case_id"].astype(object))
    plain_s = led.screening.assign(case_id=led.screening["case_id"].astype(object))
    slow = screened_before(plain_v, plain_s)
    # C1 screened by its own unit that day; C2 a day late; 工管站 never screened C1
    assert fast.tolist() == slow.tolist() == [True, False, False, False]
    assert screened_before(led.visits, led.screening.iloc[0:0]).tolist() == [False] * 4
    assert np.asarray(fast).dtype == bool
