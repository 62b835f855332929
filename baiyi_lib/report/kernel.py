"""The kernels briefings run in, and how papermill drives them (issue 19's speed).

- ``ipc_kernel_manager``: the interpreter running baiyi, over IPC sockets in the run's
  private folder.
- The ``baiyi`` papermill engine: papermill's own (nbclient), except that the notebook
  is written when the run starts and then only at the end (papermill writes it whole
  after every cell starts and ends: for a briefing, 2 s of 9 spent re-encoding and
  validating the same notebook). A failed run is still written with its error; a run
  whose cells take long is still written every ``autosave_cell_every`` seconds.
- ``Kernel``: one kernel for several notebooks (``--all-units``). Before each notebook it
  is reset to a kernel just started (namespace, history, execution count, warnings
  already shown), so a notebook comes out as if it had a kernel of its own; only the
  modules imported stay imported.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines
from papermill.utils import merge_kwargs, remove_args

ENGINE = "baiyi"

# What a kernel runs, silently, before each notebook after its first: everything a cell
# could have left behind goes; execution counts start again at 1.
RESET = """\
import warnings as _w
_w.onceregistry.clear()
getattr(_w, "_filters_mutated", lambda: None)()
get_ipython().reset(new_session=True)
"""
# What a kernel shared by many notebooks loads before the first (the notebooks' first cell
# imports it anyway): started while the kernel waits for its first notebook.
WARM = "import baiyi_lib.report.briefing\nget_ipython().reset(new_session=True)\n"


def ipc_kernel_manager(sockets: Path) -> type:
    """The kernel manager for one run: the interpreter running baiyi (not whatever a
    user's "python3" kernelspec points at), talking over IPC sockets in the run's private
    folder (files.run_folder), where its connection file is written too.

    IPC keeps the kernel's traffic off the network, so ipykernel has no reason to warn
    about unencrypted TCP; a folder per kernel keeps parallel runs (--all-units) from
    sharing socket files. nbclient makes, owns and shuts down the manager of a lone run
    (a class, not an instance, so that it also stops its client's channels cleanly).
    """
    from jupyter_client import AsyncKernelManager
    from jupyter_client.kernelspec import KernelSpecManager

    class IpcKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs: Any) -> None:
            kwargs.setdefault("transport", "ipc")
            kwargs.setdefault("ip", os.path.join(sockets, "kernel"))
            # its key too: in the private folder, removed with it, not left in the temp dir
            kwargs.setdefault("connection_file", os.path.join(sockets, "kernel.json"))
            kwargs.setdefault(
                "kernel_spec_manager",
                KernelSpecManager(kernel_dirs=[], ensure_native_kernel=True),
            )
            super().__init__(**kwargs)

        async def _async_interrupt_kernel(self) -> None:
            # jupyter_client interrupts a kernel (SIGINT) before it asks it to shut down.
            # A run ends with papermill's kernel_info request, whose reply it does not wait
            # to see handled: the SIGINT can land while the kernel is still inside that
            # handler, and the kernel prints "[IPKernelApp] ERROR | KeyboardInterrupt
            # caught in kernel." to the terminal. Nothing is left to interrupt at the end
            # of a run (every cell has replied), and a kernel that does not answer the
            # shutdown request is killed anyway: no interrupt while shutting down.
            if self.shutting_down:
                return
            await super()._async_interrupt_kernel()

    return IpcKernelManager


class _WrittenAtEnds(NotebookExecutionManager):
    """Papermill's bookkeeping (cell times, status) with the notebook written when the
    run starts, then at most every ``autosave_cell_every`` seconds (papermill writes the
    end itself)."""

    _written = False

    def save(self, **kwargs: Any) -> None:
        late = (self.now() - self.last_save_time).total_seconds() >= self.autosave_cell_every
        if not self._written or late:
            super().save(**kwargs)
            self._written = True


class _Client(PapermillNotebookClient):
    """Papermill's client; on a kernel it does not own, it stops its own channels (and
    their heartbeat thread) when the notebook is done."""

    def execute(self, **kwargs: Any) -> Any:
        try:
            return super().execute(**kwargs)
        finally:
            if not self.owns_km and self.kc is not None:
                self.kc.stop_channels()
                self.kc = None


class BaiyiEngine(NBClientEngine):
    """Papermill's nbclient engine with the notebook written at the ends (see module)."""

    @classmethod
    def execute_notebook(
        cls,
        nb: Any,
        kernel_name: str,
        output_path: str | None = None,
        progress_bar: bool = True,
        log_output: bool = False,
        autosave_cell_every: int = 30,
        **kwargs: Any,
    ) -> Any:
        nb_man = _WrittenAtEnds(
            nb,
            output_path=output_path,
            progress_bar=progress_bar,
            log_output=log_output,
            autosave_cell_every=autosave_cell_every,
        )
        nb_man.notebook_start()
        try:
            cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kwargs)
        finally:
            nb_man.cleanup_pbar()
            nb_man.notebook_complete()
        return nb_man.nb

    @classmethod
    def execute_managed_notebook(
        cls,
        nb_man: Any,
        kernel_name: str,
        log_output: bool = False,
        stdout_file: Any = None,
        stderr_file: Any = None,
        start_timeout: int = 60,
        execution_timeout: int | None = None,
        **kwargs: Any,
    ) -> Any:
        kwargs = remove_args(["input_path"], **kwargs)
        safe_kwargs = remove_args(["timeout", "startup_timeout"], **kwargs)
        final_kwargs = merge_kwargs(
            safe_kwargs,
            timeout=execution_timeout if execution_timeout else kwargs.get("timeout"),
            startup_timeout=start_timeout,
            kernel_name=kernel_name,
            log_output=log_output,
            stdout_file=stdout_file,
            stderr_file=stderr_file,
        )
        return _Client(nb_man, **final_kwargs).execute()


papermill_engines.register(ENGINE, BaiyiEngine)


class Kernel:
    """One kernel for many notebooks, its sockets in ``folder`` (a private run folder).

    ``fresh()`` before each notebook: the first gets the kernel as started, every later
    one a kernel reset to that state; a kernel that died is replaced.
    """

    def __init__(self, folder: Path, root: Path) -> None:
        self.folder, self.root = folder, root
        self.km: Any = None
        self.used = False

    def start(self) -> None:
        """Start the kernel and have it import the briefing's modules (silently)."""
        from jupyter_client.kernelspec import NATIVE_KERNEL_NAME
        from jupyter_core.utils import run_sync

        self.km = ipc_kernel_manager(self.folder)(kernel_name=NATIVE_KERNEL_NAME)
        run_sync(self.km.start_kernel)(cwd=str(self.root))
        self._run(WARM)
        self.used = False

    def fresh(self) -> Any:
        """The kernel manager, its kernel as a just-started one (see class)."""
        from jupyter_core.utils import run_sync

        if self.km is None or not run_sync(self.km.is_alive)():
            self.shutdown()
            self.start()
        elif self.used:
            self._run(RESET)
        self.used = True
        return self.km

    def _run(self, code: str) -> None:
        """Run ``code`` silently (no execution count, no history, no output kept)."""
        from jupyter_core.utils import run_sync

        kc = self.km.client()
        kc.start_channels()
        try:
            run_sync(kc.wait_for_ready)(timeout=60)
            reply = run_sync(kc.execute_interactive)(
                code, silent=True, store_history=False, timeout=60, output_hook=lambda m: None
            )
        finally:
            kc.stop_channels()
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"kernel reset failed: {reply['content'].get('evalue')}")

    def shutdown(self) -> None:
        """Stop the kernel (if any) and remove what it left in the folder."""
        from jupyter_core.utils import run_sync

        if self.km is None:
            return
        km, self.km = self.km, None
        try:
            if run_sync(km.is_alive)():
                run_sync(km.shutdown_kernel)(now=False)
        finally:
            run_sync(km.cleanup_resources)()
