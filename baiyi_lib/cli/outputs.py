"""The commands that write files for people: report, template, export, sample."""

from __future__ import annotations

import argparse
import os
import sys

from .common import DEFAULT_DATA, _check_known_at, _overrides, _rules


def _report_settings(args: argparse.Namespace) -> dict:
    """The report's settings: -f FILE.yaml, with the command line on top."""
    from ..report.settings import report_settings

    return report_settings(
        args.file,
        data=args.data,
        as_of=args.as_of,
        units=list(args.unit or []),
        all_units=args.all_units,
        overrides=_overrides(args.set or []),
        notebook=args.notebook,
        known_at=args.known_at,
        out=args.out,
        default_data=DEFAULT_DATA,
    )


def cmd_report(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..report.batch import run_jobs
    from ..report.files import clean_stale
    from ..report.run import plan

    if args.rules:  # the notebooks' kernels load the rules from the same folder
        from ..params import rules_folder

        os.environ["BAIYI_PARAMS"] = str(rules_folder(args.rules))
    s = _report_settings(args)
    out = Path(s["out"])
    jobs = plan(
        data=s["data"],
        as_of=s["as_of"],
        units=s["units"],
        all_units=s["all_units"],
        overrides=s["overrides"],
        notebook=s["notebook"],
        title=s["title"],
        known_at=s["known_at"],
        out=out,
        pdf=args.pdf or bool(s.get("pdf")),
        sensitivity=True if args.sensitivity else s.get("sensitivity"),
    )
    for note in clean_stale(out):  # what killed runs left; said only if it stays
        print(note, file=sys.stderr)
    entries = run_jobs(jobs, out, workers=args.jobs)
    failed = [e for e in entries if e["status"] != "ok"]
    for e in entries:
        if e["status"] == "ok":
            print(f"已生成:{out / e['html']}")
            if e.get("pdf"):
                print(f"已生成:{out / e['pdf']}")
    print(f"目录:{out / 'index.html'}")
    for e in failed:
        who = e["unit"] or "全系统"
        print(f"失败:{e['notebook']}({who}):{e['error']}", file=sys.stderr)
    no_pdf = [e for e in entries if e.get("pdf_error")]
    for e in no_pdf:
        print(f"未生成 PDF:{e['html']}:{e['pdf_error']}", file=sys.stderr)
    return 1 if failed or no_pdf else 0


def cmd_template(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..excel import write_templates

    rules = _rules(args)
    unit = rules.units.resolve(args.unit) if args.unit else None
    for path in write_templates(Path(args.out), rules, unit):
        print(f"已生成模板:{path}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..excel import export_source

    _check_known_at(args)
    done = export_source(Path(args.out), args.data, _rules(args), args.as_of, args.known_at)
    if done.errors:
        print(f"台账有错误,只导出问题表({done.errors} 处)。", file=sys.stderr)
        return 1
    print(f"已导出:{done.path}")
    return 0


def cmd_sample(args: argparse.Namespace) -> int:
    from ..sample import write_sample

    files = write_sample(args.out, seed=args.seed, rules=_rules(args))
    print(f"已生成 {len(files)} 个示例台账文件(合成数据)于 {args.out}")
    return 0
