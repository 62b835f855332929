"""Shared fixtures: the sample as it would have been sent on a given day."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from support import sample_as_sent


@pytest.fixture(scope="session")
def sent(tmp_path_factory) -> Callable[[dt.date], Path]:
    """sent(day) → a folder with the sample ledgers as they stood on that day (each
    written once per session): for ingesting the store at a realistic moment."""
    return lambda day: sample_as_sent(day, tmp_path_factory)


@pytest.fixture
def short_temp() -> Iterator[Path]:
    """An empty folder with a short path, for a report run's TMPDIR: the run's kernel
    listens on IPC sockets at <TMPDIR>/baiyi-kernel-XXXXXXXX/kernel-N, and a Unix socket's
    path holds at most 107 bytes. tmp_path is longer under pytest-xdist (…/pytest-N/
    popen-gw0/test_what_a_killed_run_leaves0/temp/…: 108 bytes), where the kernel could
    not bind its sockets."""
    path = Path(tempfile.mkdtemp(prefix="by-", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


# `make test` runs each file in one worker (--dist loadfile). xdist hands out the files
# with the most tests first, so a file of a few long tests (the property tests, the Lab,
# the printed handout) came last and ran while the other worker sat idle. The longest
# files go first instead (longest processing time first): what is left at the end is
# short whichever worker takes it. Seconds per file on the 2-core machine (wall time of
# its tests in one worker, setup included); a file not listed follows these, ordered by
# its number of tests as xdist would. Refresh from `pytest -n auto --dist loadfile
# --junitxml=…` (the sum of a file's times) when a file becomes one of the long ones.
LONGEST_FILES = {
    "tests/scoring/test_properties.py": 55,
    "tests/report/test_print.py": 45,
    "tests/lab/test_lab.py": 35,
    "tests/packs/test_packs.py": 30,
    "tests/store/test_store_properties.py": 28,
    "tests/report/test_page_truth.py": 28,
    "tests/office/test_office.py": 28,
    "tests/report/test_briefing.py": 27,
    "tests/test_store.py": 22,
    "tests/test_cli.py": 26,
    "tests/store/test_purge.py": 20,
    "tests/ledgers/test_name_beside_number.py": 18,
    "tests/ledgers/test_folder.py": 17,
    "tests/ledgers/test_per_value.py": 17,
    "tests/ledgers/test_personal_data.py": 16,
    "tests/store/test_return_scope.py": 16,
    "tests/report/test_run_failures.py": 16,
    "tests/report/test_notebook_params.py": 15,
    "tests/store/test_withdraw.py": 13,
    "tests/report/test_lone_run.py": 13,
    "tests/ledgers/test_names_in_file_names.py": 15,
    "tests/test_wheel.py": 14,
    "tests/packs/test_method_edges.py": 14,
    "tests/report/test_parameters.py": 14,
    "tests/ledgers/test_checks.py": 12,
    "tests/ledgers/test_field_cases.py": 12,
    "tests/ledgers/test_as_seen.py": 12,
    "tests/ledgers/test_sheet_messages.py": 11,
    "tests/ledgers/test_hostile_input.py": 11,
    "tests/report/test_batch.py": 11,
    "tests/test_excel.py": 11,
    "tests/store/test_store_attacks.py": 10,
    "tests/test_receipts.py": 10,
    "tests/test_store_failures.py": 9,
    "tests/duties/test_documents.py": 9,
    "tests/ledgers/test_broken.py": 9,
    "tests/store/test_store_received_by.py": 9,
    "tests/store/test_writes.py": 9,
    "tests/test_not_charged.py": 7,
    "tests/report/test_documents_page.py": 7,
    "tests/report/test_quiet_runs.py": 7,
}


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """--dist loadfile, the longest files first (LONGEST_FILES)."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class LongestFileFirst(LoadFileScheduling):
        def _assign_work_unit(self, node) -> None:
            # the queue is xdist's (most tests first): the longest file left moves ahead
            longest = max(
                self.workqueue, key=lambda scope: LONGEST_FILES.get(scope.split("::")[0], 0)
            )
            self.workqueue.move_to_end(longest, last=False)
            super()._assign_work_unit(node)

    return LongestFileFirst(config, log)
