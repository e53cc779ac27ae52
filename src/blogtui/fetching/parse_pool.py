"""The pool of parser processes: started without forking blogtui, and dying with it.

Two rules (SQLite's and the process table's):

- **No fork while a SQLite connection is open.** blogtui holds its cache open when a run starts,
  so the workers are not forked from it: the ``forkserver`` start method execs a fresh
  interpreter (the server, which imports the parsers once) and forks the workers from that,
  which holds no connection and runs no other thread. Cost, measured on 2 cores: about 0.3 s
  more than ``fork`` before the first parse of a run's first pool (later pools reuse the
  server); ``spawn`` costs the same again for every pool.
- **Helpers die with their parent, whatever kills it** (``kill -9`` included): each worker asks
  the kernel for ``SIGKILL`` when its parent goes (``prctl(PR_SET_PDEATHSIG)`` on Linux), and
  watches blogtui's process itself once a second as a fallback (another kernel, or a parent
  that died before the ``prctl``). The server exits when blogtui's end of its pipe closes,
  which the kernel does for a process killed outright.
- **The server is waited for when blogtui exits** (``atexit``): it exits as soon as its pipe
  closes, and being reaped puts its CPU time and its workers' (which it reaps) in blogtui's own
  account (``/usr/bin/time``, the shell's ``time``): a pool's parsing is not hidden from them.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor

#: Modules the fork server imports once, so each worker starts with them loaded.
PRELOAD = ["blogtui.parsing.feed", "feedparser", "lxml.etree"]
#: How often (seconds) a worker checks that blogtui is still there (the fallback).
WATCH_EVERY = 1.0
_PR_SET_PDEATHSIG = 1
_QUIET_TRACKER = "ignore:resource_tracker:UserWarning"


def start_method() -> str | None:
    """``forkserver`` where there is one (Linux, macOS), else ``spawn``; None: no pool."""
    methods = multiprocessing.get_all_start_methods()
    for method in ("forkserver", "spawn"):
        if method in methods:
            return method
    return None


def make_pool(workers: int) -> ProcessPoolExecutor | None:
    """A pool of ``workers`` parser processes that die with this one; None when there cannot be
    one (the caller parses in threads instead)."""
    method = start_method()
    if method is None:
        return None
    context = multiprocessing.get_context(method)
    # multiprocessing's resource tracker (a helper started with this interpreter's -W options)
    # removes the pool's semaphores after a run that was abandoned (ctrl+c, SIGTERM): its note
    # saying so is not for the user.
    if _QUIET_TRACKER not in sys.warnoptions:
        sys.warnoptions.append(_QUIET_TRACKER)
    if method == "forkserver":
        context.set_forkserver_preload(PRELOAD)
        if not _reaping:
            _reaping.append(True)
            atexit.register(stop_server)
    try:
        return ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=die_with_parent, initargs=(os.getpid(),)
        )
    except (OSError, ValueError):
        return None


_reaping: list[bool] = []


def stop_server() -> None:
    """Close the fork server's pipe and wait for it (at exit; a later pool starts another)."""
    try:
        from multiprocessing import forkserver

        forkserver._forkserver._stop()  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - exiting anyway: the server goes when its pipe closes
        pass


def die_with_parent(blogtui_pid: int) -> None:
    """Worker initializer: be killed when the parent dies, and watch ``blogtui_pid`` too."""
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before the prctl took hold
        os._exit(1)
    threading.Thread(target=_watch, args=(parent, blogtui_pid), name="watch-parent", daemon=True).start()


def _watch(parent: int, blogtui_pid: int) -> None:
    while True:
        time.sleep(WATCH_EVERY)
        if os.getppid() != parent or not alive(blogtui_pid):
            os._exit(1)


def alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie, killed but not reaped yet, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):
        return True
