"""Loaded rules kept between processes: every command loads them, and checking the five
params files against their declared models (pydantic's import and model building
included) costs ~0.1 s a start, a tenth of `baiyi score` on the sample.

The key is the SHA-256 of the params folder's path, of the five files' bytes, of this
package's own source and of the Python version: any edit of a YAML file, or of the code
that reads it, is a new key, so a cached rule set is always the one a fresh load would
give. Only a load that succeeded is kept (a refused file is checked again every time).

Where: ``$BAIYI_CACHE`` if set (``off`` turns the cache off), else
``$XDG_CACHE_HOME/baiyi`` or ``~/.cache/baiyi``. Entries are written atomically (a
temporary file renamed), the newest ``KEEP`` kept. A cache that can't be read or written
is no cache: never an error, never a changed result. The folder is the user's own (made
0700): whoever can write there can already change the user's environment; a file there
that is not a kept rule set (or fails to load in any way) is ignored.

Owns ``load`` and ``store`` of a loaded rule set by ``key``. May import ``models`` only.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import sys
import tempfile
from importlib import metadata
from pathlib import Path

from .models import Rules

FILES = ("campaign.yaml", "units.yaml", "limits.yaml", "ledgers.yaml")
KEEP = 32


def directory() -> Path | None:
    """Where loaded rules are kept, or None when the cache is off."""
    chosen = os.environ.get("BAIYI_CACHE")
    if chosen == "off":
        return None
    if chosen:
        return Path(chosen)
    home = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(home) / "baiyi"


@functools.cache
def _code_digest() -> str:
    """This package's source (the code that reads the files and the classes kept)."""
    h = hashlib.sha256(sys.version.encode())
    for package in ("pydantic", "PyYAML"):  # what reads the files
        try:
            h.update(f"{package}=={metadata.version(package)}".encode())
        except metadata.PackageNotFoundError:
            h.update(package.encode())
    for path in sorted(Path(__file__).parent.glob("*.py")):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def key(folder: Path, rules_path: Path) -> str | None:
    """The key of one params folder as it is now, or None if a file can't be read (the
    fresh load then says why)."""
    h = hashlib.sha256(_code_digest().encode())
    # the folder as given (a symlink is another name: the rules say where they were read)
    h.update(os.path.abspath(rules_path).encode())
    try:
        for path in (rules_path, *(folder / name for name in FILES)):
            h.update(b"\0" + path.read_bytes())
    except OSError:
        return None
    return h.hexdigest()


def load(digest: str | None) -> Rules | None:
    """The rules kept under ``digest``, or None (not kept, unreadable, or not rules)."""
    where = directory()
    if digest is None or where is None:
        return None
    try:
        rules = pickle.loads((where / f"rules-{digest}.pickle").read_bytes())
    except KeyboardInterrupt:
        raise
    except BaseException:  # a missing, truncated or foreign file is simply not a hit
        return None
    return rules if isinstance(rules, Rules) else None


def store(digest: str | None, rules: Rules) -> None:
    """Keep ``rules`` under ``digest`` (atomically), if the cache can be written."""
    where = directory()
    if digest is None or where is None:
        return
    tmp = None
    try:
        where.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".rules-", dir=where)
        with os.fdopen(fd, "wb") as out:
            pickle.dump(rules, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, where / f"rules-{digest}.pickle")
        tmp = None
        _prune(where)
    except Exception:  # a full disk, a read-only home: the next start loads afresh
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def _prune(where: Path) -> None:
    """Only the newest ``KEEP`` entries stay."""
    entries = sorted(where.glob("rules-*.pickle"), key=lambda p: p.stat().st_mtime)
    for old in entries[:-KEEP]:
        old.unlink(missing_ok=True)
