"""Loaded rules kept between processes (params/cache.py): a kept rule set is always the
one a fresh load would give — any edit of a params file is a new load — and a cache that
is missing, damaged or unwritable is no cache, never an error."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from baiyi_lib.errors import ParamsError
from baiyi_lib.params import load_rules
from baiyi_lib.params.paths import default_params_dir


@pytest.fixture
def params(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("BAIYI_CACHE", str(tmp_path / "cache"))
    folder = tmp_path / "params"
    shutil.copytree(default_params_dir(), folder)
    return folder


def _kept(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "cache").glob("rules-*.pickle"))


def test_a_second_load_is_the_first_without_building_a_model(params, tmp_path):
    first = load_rules(params)
    assert len(_kept(tmp_path)) == 1
    assert load_rules(params) == first
    probe = (
        "import sys; from baiyi_lib.params import load_rules; "
        f"r = load_rules({str(params)!r}); print(len(r.rules), 'pydantic' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert out.stdout.split() == [str(len(first.rules)), "False"], out.stderr


def test_an_edited_file_is_loaded_again(params, tmp_path):
    before = load_rules(params)
    limits = params / "limits.yaml"
    text = limits.read_text(encoding="utf-8")
    old = f"max_rows: {before.limits.max_rows}"
    assert old in text
    limits.write_text(text.replace(old, "max_rows: 1234"), encoding="utf-8")
    assert load_rules(params).limits.max_rows == 1234
    assert len(_kept(tmp_path)) == 2


def test_overrides_are_applied_to_the_kept_rules(params):
    load_rules(params)
    assert load_rules(params, doubling="stack").value("doubling") == "stack"
    assert load_rules(params).value("doubling") != "stack"


def test_a_damaged_entry_is_no_entry(params, tmp_path):
    fresh = load_rules(params)
    for entry in _kept(tmp_path):
        entry.write_bytes(b"not a pickle")
    assert load_rules(params) == fresh


def test_an_unwritable_cache_is_no_cache(params, tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    monkeypatch.setenv("BAIYI_CACHE", str(blocker / "cache"))
    assert load_rules(params).limits.max_rows > 0


def test_a_refused_file_is_refused_every_time(params, tmp_path):
    (params / "units.yaml").write_text("units: 3\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(ParamsError, match="units"):
            load_rules(params)
    assert _kept(tmp_path) == []


def test_off_keeps_nothing(params, tmp_path, monkeypatch):
    monkeypatch.setenv("BAIYI_CACHE", "off")
    load_rules(params)
    assert not (tmp_path / "cache").exists()


def test_a_symlinked_folder_says_where_its_rules_were_read(params, tmp_path):
    link = tmp_path / "link"
    link.symlink_to(params, target_is_directory=True)
    assert load_rules(link).source == link / "rules.yaml"
    assert load_rules(params).source == params / "rules.yaml"


def test_an_entry_that_exits_on_load_is_no_entry(params, tmp_path):
    fresh = load_rules(params)
    (entry,) = _kept(tmp_path)
    entry.write_bytes(b"cbuiltins\nexit\n(I3\ntR.")  # a pickle that calls exit(3)
    assert load_rules(params) == fresh
