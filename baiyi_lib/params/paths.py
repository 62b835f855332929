"""Project paths: where params/, the shipped sample and the ledger store are.

Owns PROJECT_ROOT, INSTALLED, DEFAULT_STORE (the one default store, a Path), SAMPLE, the
params folder a user names (``default_params_dir``, ``rules_folder``) and how a params path
is shown (``shown_path``). May import only ``baiyi_lib.errors``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ..errors import ParamsError

# The folder holding baiyi_lib/: a checkout's root (or the site-packages of a wheel)
_CHECKOUT = Path(__file__).resolve().parents[2]


def shown_path(path: Path) -> str:
    """A params path as a maintainer reads it: relative to the project (params/rules.yaml)
    when it is the project's own, else as given (a method from another folder)."""
    try:
        return Path(path).resolve().relative_to(_project_root()).as_posix()
    except ValueError:
        return str(path)


def _project_root() -> Path:
    """The project's folder (params/, data/, notebooks/): paths that users leave out are
    taken from here, whatever the working directory (JupyterLab starts kernels in
    notebooks/, cron in /). In a checkout (or an editable install) it is the checkout; a
    wheel installs the same folders under <prefix>/share/baiyi (pyproject's data-files)."""
    if (_CHECKOUT / "params" / "rules.yaml").exists():
        return _CHECKOUT
    return Path(sys.prefix) / "share" / "baiyi"


PROJECT_ROOT = _project_root()
INSTALLED = not (_CHECKOUT / "params").exists()
# The ledger store: the project's data/ in a checkout; beside the user (./data) when
# installed from a wheel, whose share/ folder is not the user's to write.
DEFAULT_STORE = (Path.cwd() if INSTALLED else PROJECT_ROOT) / "data" / "baiyi.duckdb"
# The shipped sample ledgers.
SAMPLE = PROJECT_ROOT / "data" / "sample"


def default_params_dir() -> Path:
    """The params/ folder: $BAIYI_PARAMS if set, else the one at the project root."""
    env = os.environ.get("BAIYI_PARAMS")
    if env:
        return Path(env)
    return PROJECT_ROOT / "params"


def rules_folder(path: str | os.PathLike) -> Path:
    """The params folder a --rules argument names (a folder, or its rules.yaml), absolute;
    a ParamsError if it holds no rules.yaml."""
    p = Path(path).resolve()
    folder = p if p.is_dir() else p.parent
    if not (folder / "rules.yaml").is_file():
        raise ParamsError(f"参数目录 {path} 中没有 rules.yaml")
    return folder
