"""main(): parse, run the command, and turn every failure into a Chinese message and an
exit code (errors.py)."""

from __future__ import annotations

import logging
import os
import signal
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
    previous = signal.signal(signal.SIGTERM, _terminated)  # unwound as Ctrl-C is
    try:
        return args.func(args)
    except LedgerError as exc:
        print(str(exc), file=sys.stderr)
        return exc.exit_code
    except BaiyiError as exc:
        print(f"错误:{exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt as exc:
        # what the interrupted kernel client left unfinished is not the user's business
        # ("Task exception was never retrieved" as the process ends)
        logging.getLogger("asyncio").disabled = True
        print(INTERRUPTED.get(args.command, "已中断。"), file=sys.stderr)
        return 143 if isinstance(exc, Terminated) else 130
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away: stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)


class Terminated(KeyboardInterrupt):
    """SIGTERM (a service stopping the weekly run, `kill`): unwound as Ctrl-C is, so that
    kernels and worker processes are stopped and private folders removed (exit 143)."""


def _terminated(signum: int, frame: object) -> None:
    raise Terminated


# what an interrupted command has and has not done
_STORE_WORDS = (
    "已中断。正在写入的一批如果还没有完成,台账库不会载入其中任何数据"
    "(一批要么全部载入,要么都不载入);可用 baiyi history 查看。"
)
INTERRUPTED = {
    "ingest": _STORE_WORDS,
    "withdraw": "已中断。撤回如果还没有完成,台账库没有改动;可用 baiyi history 查看。",
    "purge": "已中断。清除如果还没有完成,台账库没有改动;可用 baiyi history 查看。",
    "report": "已中断。上面列出“已生成”的报告已写好;其余没有生成,原有的报告不受影响。",
    "export": "已中断。导出的文件如果还没有写完,不会留下半个文件。",
}


if __name__ == "__main__":
    raise SystemExit(main())
