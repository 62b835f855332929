"""The `baiyi` command: thin, calls the library. Messages in Chinese.

    baiyi score --data DIR [--as-of DATE] [--set name=value ...] [--explain UNIT]
    baiyi explain UNIT --data DIR [--as-of DATE] [--set name=value ...]
    baiyi validate DIR
    baiyi rules [--set name=value ...]
    baiyi compare --set name=value [--set ...] --data DIR [--as-of DATE]
    baiyi sample OUT_DIR [--seed N]
    baiyi ingest FILES... [--received TIME] [--receipts DIR] [--partial]
    baiyi history [--unit UNIT]
    baiyi withdraw SUBMISSION [--at TIME] [--receipts DIR]
    baiyi purge [--store S] [--yes]
    baiyi report [--as-of DATE] [--unit UNIT | --all-units] [--pdf] [-f SETTINGS.yaml]
    baiyi template OUT_DIR [--unit UNIT]
    baiyi export OUT.xlsx --data DIR [--as-of DATE]

Exit codes (errors.py): 0 success; 1 the ledgers have errors; 2 bad parameters; 3 the
store is damaged; 4 the store is busy; 5 the store or an output can't be written; 6 the
store is from a newer version.

Modules: parser (the command line), run (main and exit codes), scores,
outputs and storecmds (the commands), common (what they share)."""

from __future__ import annotations

from .common import (  # noqa: F401
    DEFAULT_DATA,
    shown_path,
)
from .outputs import (  # noqa: F401
    cmd_export,
    cmd_report,
    cmd_sample,
    cmd_template,
)
from .parser import (  # noqa: F401
    build_parser,
)
from .run import (  # noqa: F401
    main,
)
from .scores import (  # noqa: F401
    cmd_compare,
    cmd_explain,
    cmd_rules,
    cmd_score,
    cmd_validate,
)
from .storecmds import (  # noqa: F401
    ACTIONS,
    cmd_history,
    cmd_ingest,
    cmd_purge,
    cmd_withdraw,
)
