"""What a briefing computes before any section, none of it depending on the unit: the
ledgers loaded and checked, the rules, the scores as of the day, as of last week's
briefing (and as then known, from a store) and under the default readings.

``baiyi report`` computes it in its own process while the kernels start (on the other
core), once for a lone briefing and once for all the pages of ``--all-units``, and leaves
it in the run's private folder (``$BAIYI_SCORES``) under a key made of everything it was
computed from: the data path and the size and time of each of its files, the as-of, the
readings, known_at, the params folder and its files, baiyi's version. A kernel whose
inputs give the same key reads it back (a fresh copy for each notebook); any other (a
notebook opened in JupyterLab, inputs that failed here) computes it itself.
``$BAIYI_SCORE_LOG``, when set, names a file that gets one line per loading of the
ledgers, per computation and per reuse (tests count them). The ledgers ``run.plan``
loads to find the latest return day (no as-of given) are kept for the computation:
loaded once, scored once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import pickle
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import views
from .._version import __version__
from ..ledgers import Ledgers
from ..params import Rules, load_rules
from ..params.paths import default_params_dir
from ..scoring import ScoreResult, as_of_day, score
from ..sources import is_store, known_moment, load_ledgers, resolve_source

SCORES_ENV = "BAIYI_SCORES"
SCORE_LOG_ENV = "BAIYI_SCORE_LOG"


@dataclass(frozen=True)
class Scored:
    """The ledgers, rules and scores a briefing starts from (see module)."""

    rules: Rules
    ledgers: Ledgers
    as_of: dt.date
    result: ScoreResult
    previous: ScoreResult | None  # last week's briefing as it was (as then known)
    restated: ScoreResult | None  # last week's as-of on today's data
    default: ScoreResult | None  # the default readings, when others are chosen
    data: str
    known_at: str | None


def compute(
    data: str | None, as_of: Any, overrides: dict[str, Any], known_at: str | None
) -> Scored:
    """Load the ledgers and rules, score as of the date and as of last week's briefing.

    The as-of is read with the one date grammar and must lie in the campaign; by default
    it is the latest Friday the data covers. From the store, last week's scores use the
    data known at last week's return day, so that late and corrected returns show up in
    变化说明.
    """
    r = load_rules(**overrides)
    data = resolve_source(data)
    store = is_store(data)
    moment = known_moment(known_at, r) if known_at not in (None, "") else None
    led = loaded(data, r, overrides, moment)
    day = views.latest_return_day(led, r) if as_of in (None, "") else as_of_day(as_of, r)
    result = score(led, r, as_of=day)
    prev_day = views.previous_day(r, day)
    previous = restated = None
    if prev_day is not None:
        restated = score(led, r, as_of=prev_day)
        previous = restated
        if store:
            then = load_ledgers(data, r, known_at=known_moment(prev_day, r))
            previous = score(then, r, as_of=prev_day)
    chosen = {k: v for k, v in overrides.items() if not r.interpretations[k].is_default}
    default = score(led, load_rules(), as_of=day) if chosen else None
    _log("computed")
    return Scored(
        rules=r, ledgers=led, as_of=day, result=result, previous=previous,
        restated=restated, default=default, data=str(data),
        known_at=None if moment is None else moment.isoformat(sep=" "),
    )  # fmt: skip


# The ledgers run.plan loaded to find the latest return day, by what they were loaded
# from: the batch's computation (in the same process) does not load them again.
_LOADED: dict[str, Ledgers] = {}


def loaded(
    data: str,
    rules: Rules,
    overrides: dict[str, Any],
    moment: dt.datetime | None,
    keep: bool = False,
) -> Ledgers:
    """The ledgers in ``data`` (as known at ``moment``, from a store): the ones kept by
    an earlier call with ``keep`` for the same files, readings and moment, else loaded
    (and kept, the last one only, if ``keep``)."""
    try:
        facts = key(data, "", overrides, "" if moment is None else moment.isoformat())
    except OSError:
        facts = None
    if facts is not None and facts in _LOADED:
        return _LOADED[facts]
    store = is_store(data)
    led = load_ledgers(data, rules, known_at=moment) if store else load_ledgers(data, rules)
    _log("loaded")
    if keep:
        _LOADED.clear()
        if facts is not None:
            _LOADED[facts] = led
    return led


def forget() -> None:
    """Drop the ledgers kept by ``loaded(keep=True)``."""
    _LOADED.clear()


def scored(data: str | None, as_of: Any, overrides: dict[str, Any], known_at: str | None) -> Scored:
    """The batch's copy when ``$BAIYI_SCORES`` holds one for these inputs, else computed."""
    folder = os.environ.get(SCORES_ENV)
    found = None
    if folder:
        try:
            path = Path(folder) / f"{key(data, as_of, overrides, known_at)}.pickle"
            if path.exists():
                with open(path, "rb") as fh:
                    found = pickle.load(fh)
        except Exception:
            found = None
    if isinstance(found, Scored):
        _log("reused")
        return found
    return compute(data, as_of, overrides, known_at)


def remember(
    folder: Path, data: str | None, as_of: Any, overrides: dict[str, Any], known_at: str | None
) -> Path:
    """Compute once and leave it in ``folder`` under its key (written whole, then renamed);
    raises whatever computing raises (the kernels will then say it themselves)."""
    done = compute(data, as_of, overrides, known_at)
    path = folder / f"{key(data, as_of, overrides, known_at)}.pickle"
    fd, tmp = tempfile.mkstemp(prefix=".scored-", dir=folder)
    with os.fdopen(fd, "wb") as fh:
        pickle.dump(done, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)
    return path


def compute_once(jobs: list[Any], folder: Path) -> None:
    """Compute once for each set of inputs the jobs (report.run.Job) share, into
    ``folder`` (remember); a computation that fails is left to the kernels, which fail
    with the same Chinese message as a lone run."""
    seen = set()
    for job in jobs:
        inputs = (job.data, job.as_of, repr(sorted(job.rules.items())), job.known_at)
        if inputs in seen:
            continue
        seen.add(inputs)
        try:
            remember(folder, job.data, job.as_of, dict(job.rules), job.known_at)
        except Exception as exc:
            if _interrupted(exc):  # Ctrl-C or SIGTERM that a library wrapped: still a stop
                raise KeyboardInterrupt from exc


def _interrupted(exc: BaseException) -> bool:
    """Whether an exception is an interrupt in disguise: DuckDB turns a signal that lands
    during a query into its own InterruptException (an Exception), and a library may wrap
    the KeyboardInterrupt a signal handler raised."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, KeyboardInterrupt) or type(seen).__name__ == "InterruptException":
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def key(data: str | None, as_of: Any, overrides: dict[str, Any], known_at: str | None) -> str:
    """A digest of everything ``compute`` reads (see module): equal keys, equal results."""
    source = Path(resolve_source(data)).resolve()
    params = default_params_dir().resolve()
    facts = {
        "version": __version__,
        "data": str(source),
        "files": _files(source),
        "as_of": "" if as_of in (None, "") else str(as_of),
        "rules": sorted((k, repr(v)) for k, v in overrides.items()),
        "known_at": "" if known_at in (None, "") else str(known_at),
        "params": str(params),
        "params_files": _files(params),
    }
    text = json.dumps(facts, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _files(path: Path) -> list[tuple[str, int, int]]:
    """Each file at or under ``path``: its place, size and modification time."""
    found = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    out = []
    for p in found:
        st = p.stat()
        out.append((str(p.relative_to(path)) if p != path else p.name, st.st_size, st.st_mtime_ns))
    return out


def _log(what: str) -> None:
    log = os.environ.get(SCORE_LOG_ENV)
    if log:
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(f"{what} {os.getpid()}\n")
