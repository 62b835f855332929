"""The kernels briefings run in, and how papermill drives them (issue 19's speed).

- ``ipc_kernel_manager``: the interpreter running baiyi, over IPC sockets in the run's
  private folder.
- The ``baiyi`` papermill engine: papermill's own (nbclient), except that the notebook
  is written when the run starts and then only at the end (papermill writes it whole
  after every cell starts and ends: for a briefing, 2 s of 9 spent re-encoding and
  validating the same notebook). A failed run is still written with its error; a run
  whose cells take long is still written every ``autosave_cell_every`` seconds.
- ``Kernel``: the kernel of a lone briefing, or one kernel for several notebooks
  (``--all-units``). It is started without waiting (it imports the briefing's modules
  while the caller scores the ledgers) and asked to stop without waiting (it exits while
  the page is written). Before each notebook after its first it is reset to a kernel
  just started (namespace, history, execution count, warnings already shown), so a
  notebook comes out as if it had a kernel of its own; only the modules imported stay
  imported.
- The client is ready when the kernel has answered and its output channel is connected,
  without jupyter_client's further 0.2 s wait (``_ready_client``).
"""

from __future__ import annotations

import contextlib
import functools
import os
import queue
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines
from papermill.log import logger
from papermill.utils import merge_kwargs, remove_args
from traitlets import Unicode

from ..errors import ReportError

ENGINE = "baiyi"

# A kernel as it was when started (after the user's IPython startup files, if any): its
# namespace and hidden names, kept on the shell by WARM; RESTORE goes back to it with a new
# history session (execution counts from 1), binding no name of its own.
RESTORE = (
    "if True:\n"
    "    (lambda ip: (ip.reset(new_session=True),"
    " [ip.user_ns.setdefault(k, v) for k, v in ip._baiyi_started[0].items()],"
    " ip.user_ns_hidden.update(ip._baiyi_started[1])))(get_ipython())\n"
)
# Run silently when a kernel has started: it remembers its state, then loads what the
# notebooks' first cell imports anyway, and goes back to that state.
WARM = (
    "get_ipython()._baiyi_started = (dict(get_ipython().user_ns),"
    " dict(get_ipython().user_ns_hidden))\n"
    "import baiyi_lib.report.briefing\n" + RESTORE
)
# Run silently before each notebook after a kernel's first: what a cell could have left
# behind goes (names, output history, warnings already shown once); counts start at 1.
RESET = (
    "import warnings as _w\n"
    "_w.onceregistry.clear()\n"
    'getattr(_w, "_filters_mutated", lambda: None)()\n' + RESTORE
)


KERNEL_LOG = "kernel.log"  # the kernel process's own output, in its private folder


def kernel_log_tail(folder: Path, lines: int = 5) -> str:
    """The last lines the kernel whose private folder is ``folder`` wrote (its log, a
    crash's message), or ""."""
    try:
        text = (folder / KERNEL_LOG).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.strip().splitlines()[-lines:])


@contextlib.contextmanager
def environ(name: str, value: str) -> Iterator[None]:
    """``os.environ[name] = value`` for the block: what a kernel started in it inherits."""
    before = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before


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
            kwargs.setdefault("client_factory", _ready_client())
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


@functools.cache
def _ready_client() -> type:
    """jupyter_client's async client, ready as soon as the kernel has answered and its
    output channel is known to be connected. jupyter_client's own ``wait_for_ready`` then
    waits 0.2 s more for output nobody asked for, before every notebook; nbclient keeps
    only the output of the cells it runs, so none of it could reach a page."""
    from jupyter_client.asynchronous import AsyncKernelClient

    class ReadyClient(AsyncKernelClient):
        async def wait_for_ready(self, timeout: float | None = None) -> None:
            deadline = time.monotonic() + (60 if timeout is None else timeout)
            while True:
                self.kernel_info()
                try:
                    msg = await self.shell_channel.get_msg(timeout=1)
                except queue.Empty:
                    msg = None
                if msg is not None and msg["msg_type"] == "kernel_info_reply":
                    try:  # a message on the output channel: it is connected
                        await self.iopub_channel.get_msg(timeout=0.2)
                    except queue.Empty:
                        pass
                    else:
                        self._handle_kernel_info_reply(msg)
                        return
                if not await self._async_is_alive():
                    raise RuntimeError("Kernel died before replying to kernel_info")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")

    return ReadyClient


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
    """Papermill's client; on a kernel it does not own, it first runs ``reset_code``
    silently (Kernel.fresh), and stops its own channels (and their heartbeat thread) when
    the notebook is done."""

    reset_code = Unicode("", help="run silently before the first cell").tag(config=True)

    def papermill_execute_cells(self) -> None:
        if self.reset_code:
            assert self.kc is not None
            msg_id = self.kc.execute(self.reset_code, silent=True, store_history=False)
            reply = self.wait_for_reply(msg_id)
            if reply is None or reply["content"]["status"] != "ok":
                raise ReportError("内核未能重置为新启动的状态,本报告未生成")
        super().papermill_execute_cells()

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
            log=logger,
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
        self._warming: tuple[Any, str] | None = None  # the import start asked for
        self._stopping = False  # asked to shut down (stop_soon)
        self.log = folder / KERNEL_LOG

    def start(self, wait: bool = True) -> None:
        """Start the kernel and have it import the briefing's modules (silently).

        Without ``wait`` it returns as soon as the kernel is launched and the import asked
        for (the request waits in the socket until the kernel listens): the caller works
        meanwhile, and ``fresh()`` waits for the import to be done. A kernel that dies
        meanwhile is a ReportError at ``fresh()``; an import that fails is left to the
        notebook (``_settle``).
        """
        from jupyter_client.kernelspec import NATIVE_KERNEL_NAME
        from jupyter_core.utils import run_sync

        self.km = ipc_kernel_manager(self.folder)(kernel_name=NATIVE_KERNEL_NAME)
        # the kernel process's own messages (its log, a crash) go to a file in the private
        # folder: a run stopped midway would otherwise print the kernel's tracebacks of
        # sockets closing; a kernel that dies has the end of it in the report's entry
        with open(self.log, "ab") as log:
            run_sync(self.km.start_kernel)(cwd=str(self.root), stdout=log, stderr=log)
        self.used = False
        kc = self.km.client()
        kc.start_channels(iopub=False, stdin=False, hb=False, control=False)
        self._warming = (kc, kc.execute(WARM, silent=True, store_history=False))
        if wait:
            self._settle()

    def fresh(self) -> dict[str, Any]:
        """What papermill needs to run the next notebook on this kernel (its manager, and
        the reset its client runs first): a kernel as just started (see class)."""
        from jupyter_core.utils import run_sync

        self._settle()
        if self.km is None or not run_sync(self.km.is_alive)():
            self.shutdown()
            self.start()
        reset = RESET if self.used else ""
        self.used = True
        return {"km": self.km, "reset_code": reset}

    def _settle(self, timeout: float = 60) -> None:
        """Wait for the import ``start`` asked for; ReportError if the kernel died or
        ``timeout`` seconds went by. An import that failed is left to the notebook: its
        first cell imports the same modules and fails there, with its own error, in the
        failed notebook kept for whoever looks."""
        from jupyter_core.utils import run_sync

        warming, self._warming = self._warming, None
        if warming is None:
            return
        kc, msg_id = warming
        try:
            run_sync(self._reply)(kc, msg_id, timeout)
        finally:
            kc.stop_channels()

    async def _reply(self, kc: Any, msg_id: str, timeout: float) -> dict[str, Any]:
        """The shell reply to ``msg_id``, checking every second that the kernel lives."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                msg = await kc.get_shell_msg(timeout=1)
            except queue.Empty:
                if not await self.km.is_alive():
                    raise ReportError("内核启动后即退出,本报告未生成") from None
                if time.monotonic() > deadline:
                    raise ReportError(f"内核 {timeout:.0f} 秒内未能启动完成") from None
                continue
            if msg["parent_header"].get("msg_id") == msg_id:
                return msg

    def stop_soon(self) -> None:
        """Ask the kernel to shut down, without waiting (``shutdown`` waits): it exits
        while the page is written."""
        from jupyter_core.utils import run_sync

        if self.km is not None and not self._stopping:
            with contextlib.suppress(Exception):
                run_sync(self.km.request_shutdown)()
                self._stopping = True

    def shutdown(self) -> None:
        """Stop the kernel (if any) and remove what it left in the folder.

        A kernel already asked (stop_soon) is not asked twice: a second request reaching a
        kernel that is closing can leave it stuck until it is killed (ipykernel's control
        thread then publishes to an output thread already stopped). It is waited for,
        looked at every 20 ms; one that does not exit is terminated, then killed
        (jupyter_client's finish_shutdown)."""
        from jupyter_core.utils import run_sync

        if self.km is None:
            return
        if self._warming is not None:
            with contextlib.suppress(Exception):
                self._warming[0].stop_channels()
            self._warming = None
        km, self.km = self.km, None
        stopping, self._stopping = self._stopping, False
        try:
            if stopping:
                run_sync(km.finish_shutdown)(pollinterval=0.02)
            elif run_sync(km.is_alive)():
                run_sync(km.shutdown_kernel)(now=False)
        finally:
            run_sync(km.cleanup_resources)()
