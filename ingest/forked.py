"""The second core: run part of a build in a forked child while this process does the rest.

A build is mostly single-threaded Python (reading, extraction, the lexical index), and the machines
it runs on have two cores. A forked child inherits everything already loaded (the tagger, the
model's vectors, caches) without pickling it, so only its result crosses the pipe.

It lives in `ingest`, the lowest package that uses it (the build's index step in `kg` uses it too).
Where fork is unavailable, only one core is usable, or `KG_BUILD_WORKERS=1`, the work runs in this
process when its result is asked for: the same result, later.

Only fork-safe work belongs here: pure Python, fugashi, numpy, faiss searches on one thread and
pyoxigraph read-only stores opened in the child. Never torch (its thread pools do not survive a
fork), and never from a process with other threads (can_fork).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

WORKERS_ENV = "KG_BUILD_WORKERS"


class ChildFailed(RuntimeError):
    """The forked child raised, or died (killed for memory, a crash): one line saying which."""


def usable_cores() -> int:
    """How many processes a build may run at once: the cores this process may use, capped by KG_BUILD_WORKERS."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    setting = os.environ.get(WORKERS_ENV, "").strip()
    if setting:
        try:
            cores = min(cores, max(1, int(setting)))
        except ValueError:
            log.warning("%s=%r is not a number of workers; using %d", WORKERS_ENV, setting, cores)
    return cores


def can_fork() -> bool:
    """Whether work may go to a forked child: a second core, fork itself, and no other thread.

    A fork copies only the calling thread; a lock another thread holds (a web server's request
    threads, a store's) would stay held in the child forever. A build run inside the web service
    (an upload, a curation) therefore runs on one core, as it always did. Native threads are not
    counted: RocksDB keeps its thread pools once any store was open, so work given to a child must
    never open a store (a child hung on a RocksDB mutex when the label table was written in one).
    """
    return (usable_cores() > 1 and "fork" in multiprocessing.get_all_start_methods()
            and threading.active_count() == 1)


class Pending(Generic[T]):
    """Work started in a forked child (or deferred to here, without a second core)."""

    def __init__(self, work: Callable[[], T], *, fork: bool = True):
        self._work: Callable[[], T] | None = work
        self._process = None
        self._receive = None
        if not (fork and can_fork()):
            return
        context = multiprocessing.get_context("fork")
        receive, send = context.Pipe(duplex=False)

        def child() -> None:
            receive.close()
            try:
                outcome: tuple[str, object] = ("ok", work())
            except BaseException as exc:  # raised again in the parent, which decides what fails
                outcome = ("error", exc)
            try:
                send.send(outcome)
            except Exception as exc:  # an exception (or a result) that does not pickle: say what it was
                send.send(("error", ChildFailed(f"{type(outcome[1]).__name__}: {outcome[1]} ({exc})")))
            send.close()

        self._process = context.Process(target=child, daemon=True, name="kg-build-worker")
        self._process.start()
        send.close()
        self._receive = receive
        self._work = None

    def done(self) -> bool:
        """Whether the result is ready (deferred work is: it runs when asked for)."""
        return self._receive is None or self._receive.poll()

    def result(self) -> T:
        """Wait for the child and return its result, or raise what it raised."""
        if self._work is not None or self._receive is None or self._process is None:
            if self._work is None:
                raise ChildFailed("this result was already taken")
            work, self._work = self._work, None
            return work()
        try:
            status, value = self._receive.recv()  # before join: a large result would fill the pipe
        except EOFError:
            self._process.join()
            raise ChildFailed(f"a build worker process died (exit status {self._process.exitcode})") from None
        finally:
            self._receive.close()
        self._process.join()
        if status != "ok":
            raise value if isinstance(value, BaseException) else ChildFailed(str(value))
        return value


def start_in_child(work: Callable[[], T]) -> Pending[T]:
    """Start work() in a forked child; its Pending result.

    An exception in the child is raised by result() again (its type and message; the traceback stays
    in the child); a child that dies raises ChildFailed. Without a usable second core, work() runs in
    this process when the result is asked for.
    """
    return Pending(work)


def deferred(work: Callable[[], T]) -> Pending[T]:
    """work() as a Pending result computed here, when asked for (for work that must not fork)."""
    return Pending(work, fork=False)


def forked_map(function: Callable[[T], R], items: Sequence[T], *, min_items: int = 2000) -> list[R]:
    """[function(item) for item in items], the second half computed in a forked child.

    Below min_items the fork and the pickling of results cost more than they save.
    """
    if len(items) < min_items or not can_fork():
        return [function(item) for item in items]
    half = len(items) // 2
    second = start_in_child(lambda: [function(item) for item in items[half:]])
    first = [function(item) for item in items[:half]]
    return first + second.result()
