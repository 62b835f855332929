"""Project hygiene: pins agree, nothing reads ../shared, no point value in engine code."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _pins_from_pyproject() -> dict[str, str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    extras = data["project"]["optional-dependencies"].values()
    deps = data["project"]["dependencies"] + [d for group in extras for d in group]
    pins = {}
    for dep in deps:
        name, _, version = dep.partition("==")
        assert version, f"{dep} is not pinned with =="
        pins[name.lower()] = version
    return pins


def test_pyproject_and_environment_yml_pin_the_same_versions():
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    env_pins = {}
    for dep in pip:
        if dep.startswith("-e"):
            continue
        name, _, version = dep.partition("==")
        env_pins[name.lower()] = version
    assert env_pins == _pins_from_pyproject()


def _pins_from_lock() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, sep, version = line.partition("==")
            assert sep, f"requirements.lock: {line} is not an exact pin"
            pins[re.sub(r"[-_.]+", "-", name.lower())] = version
    return pins


def test_the_lock_holds_every_direct_pin_at_its_version():
    """make installs from requirements.lock: each pyproject pin is in it at the same
    version (a transitive package may not hide behind a direct one)."""
    lock = _pins_from_lock()
    direct = {re.sub(r"[-_.]+", "-", k): v for k, v in _pins_from_pyproject().items()}
    assert {k: lock.get(k) for k in direct} == direct
    assert len(lock) > len(direct)  # the transitive ones are locked too


def test_nothing_reads_the_shared_folder():
    paths = [*ROOT.glob("baiyi_lib/**/*.py"), *ROOT.glob("tests/**/*.py"), *ROOT.glob("bench/*.py")]
    for path in [*paths, ROOT / "Makefile", ROOT / ".ci" / "run"]:
        if path == Path(__file__):
            continue
        assert not re.search(r"\.\./shared|/shared/", path.read_text(encoding="utf-8")), path


def test_engine_code_holds_no_point_value():
    """Point values live in params/rules.yaml: no -10/-20/-30/-50/-60/-100/-200/-300 or
    +10/+20/+200 literal in the scoring package."""
    values = {"10", "20", "30", "50", "60", "100", "200", "300", "1000"}
    for path in ROOT.glob("baiyi_lib/scoring/*.py"):
        code = re.sub(r'"""[\s\S]*?"""', "", path.read_text(encoding="utf-8"))  # docstrings
        code = "\n".join(line.split("#")[0] for line in code.splitlines())
        code = re.sub(r'"[^"\n]*"|\'[^\'\n]*\'', "", code)  # strings (messages) aside
        found = set(re.findall(r"(?<![\w.])(\d+)(?![\w.])", code)) & values
        assert not found, f"{path.name}: {found}"


def test_the_lab_environment_pins_the_kernels_plotly():
    """JupyterLab draws the charts with the plotly extension of its own environment: it
    must be the version the kernel writes figures for."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    lab_pins = dict(re.findall(r"\b([a-z][\w-]*)==([\d.]+)", makefile))
    assert lab_pins["plotly"] == _pins_from_pyproject()["plotly"]
    assert "jupyterlab" in lab_pins


def _code_strings() -> list[tuple[str, int, str]]:
    """Every string a user can see in baiyi_lib (constants and f-string parts, and the
    page templates' lines), docstrings and comments left out: (file, line, text)."""
    import ast

    out = []
    for path in sorted(ROOT.glob("baiyi_lib/**/*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docs = set()
        for node in ast.walk(tree):
            body = getattr(node, "body", None)
            first = body[0] if isinstance(body, list) and body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docs.add(id(first.value))
        for node in ast.walk(tree):
            shown = isinstance(node, ast.Constant) and isinstance(node.value, str)
            if shown and id(node) not in docs:
                out.append((path.relative_to(ROOT).as_posix(), node.lineno, node.value))
    for path in sorted(ROOT.glob("baiyi_lib/report/templates/**/*.j2")):
        text = re.sub(r"\{#.*?#\}", "", path.read_text(encoding="utf-8"), flags=re.S)
        for n, line in enumerate(text.splitlines(), 1):
            out.append((path.relative_to(ROOT).as_posix(), n, line))
    return out


def _campaign_words() -> list[str]:
    """The document's own words in params/campaign.yaml: its dates (2019-02-27, 2月27日), the
    award's name, the campaign's name."""
    import datetime as dt

    camp = yaml.safe_load((ROOT / "params" / "campaign.yaml").read_text(encoding="utf-8"))
    dates: set[dt.date] = set()

    def walk(x):
        if isinstance(x, dt.date):
            dates.add(x)
        elif isinstance(x, dict):
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    walk(camp)
    words = [f"{d:%Y-%m-%d}" for d in dates] + [f"{d.month}月{d.day}日" for d in dates]
    return [*words, camp["award"]["name"], camp["name"]]


def test_no_clause_or_campaign_date_in_engine_code():
    """Rules are data: a clause reference (实施方案 五、四, 附件2 一(四)), a date of the
    campaign or the award's name in a string the code shows means the document's text is
    back in code; it belongs in params/ (read from there), not in an f-string."""
    clause = re.compile(
        r"(实施方案|附件\s*\d)\s*[一二三四五六七八九十]|[一二三四五六七八九十]、[0-9一二三四五六七八九十]"
    )
    words = _campaign_words()
    found = [
        f"{file}:{line}: {text!r}"
        for file, line, text in _code_strings()
        if clause.search(text) or any(w in text for w in words)
    ]
    assert not found, "\n".join(found)


def test_no_module_is_over_500_lines():
    """A newcomer reads a module in one sitting (docs/map.md says where things live)."""
    long = {
        path.relative_to(ROOT).as_posix(): n
        for path in ROOT.glob("baiyi_lib/**/*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) >= 500
    }
    assert not long, long


def test_every_file_the_code_names_exists():
    """A comment or docstring that cites a file (schema.py, 使用说明.md, limits.yaml) cites
    one of this project: nothing outside it (the shared folder's notes are not shipped).
    Names a user or a run makes (a settings file, a failed run's notebook) are examples."""
    tracked = {p.name for p in ROOT.rglob("*") if ".venv" not in p.parts and "build" not in p.parts}
    cited = re.compile(
        r"(?<![\w.*/-])[\w\-\u4e00-\u9fff][\w\-.\u4e00-\u9fff]*\.(?:py|md|yaml|yml|j2|ipynb)\b"
    )
    examples = {"参数.yaml", "failed.ipynb", "FILE.yaml", "SETTINGS.yaml"}
    missing = {}
    for path in ROOT.glob("baiyi_lib/**/*.py"):
        for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for name in cited.findall(line):
                if name not in tracked and name not in examples:
                    missing.setdefault(f"{path.relative_to(ROOT)}:{line_no}", name)
    assert not missing, missing
