"""main(): parse, run the command, and turn every failure into a Chinese message and an
exit code (errors.py)."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from ..errors import BaiyiError, LedgerError
from .parser import build_parser


def main(argv: Sequence[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):  # a name with undecodable bytes never crashes
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    args = build_parser().parse_args(argv)
    if getattr(args, "seed", "absent") is None:
        from ..sample import DEFAULT_SEED

        args.seed = DEFAULT_SEED
    try:
        return args.func(args)
    except LedgerError as exc:
        print(str(exc), file=sys.stderr)
        return exc.exit_code
    except BaiyiError as exc:
        print(f"错误:{exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(
            "已中断。正在写入的一批如果还没有完成,台账库不会载入其中任何数据"
            "(一批要么全部载入,要么都不载入);可用 baiyi history 查看。",
            file=sys.stderr,
        )
        return 130
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away: stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
