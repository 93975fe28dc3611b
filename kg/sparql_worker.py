"""Run gated SPARQL queries in killable worker processes with a deadline, a memory cap and no network."""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import queue
import re
import resource
import signal
import sys
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, cast

import pyoxigraph as ox

from kg.errors import (
    IndexNotReady,
    InvalidQuery,
    InvalidRequest,
    KGError,
    NotAcceptable,
    QueryFailed,
    QueryMemoryExceeded,
    QueryRefused,
    QueryTimeout,
    ResultTooLarge,
)
from kg.sparql import (
    GRAPH_MEDIA_TYPES,
    RESULT_MEDIA_TYPES,
    PreparedQuery,
    lexical_gate,
    verify_query,
    write_boolean,
    write_solutions,
)

log = logging.getLogger(__name__)

_RDF_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}
_CLONE_NEWNET = 0x40000000
_M_ARENA_MAX = -8
_PR_SET_PDEATHSIG = 1




class _Unwritable(KGError):
    """The result exists but cannot be expressed in the requested format (worker side only)."""


@dataclass(frozen=True)
class QueryResult:
    """A serialised query result; truncated when rows or triples beyond max_rows were dropped."""

    content: bytes
    media_type: str
    truncated: bool = False


class _Slot:
    """One worker process of the pool and the parent's end of its pipe."""

    def __init__(self, ctx: Any, memory_mb: int):
        self._ctx, self._memory_mb = ctx, memory_mb
        self._owner = os.getpid()
        self.proc: Any = None
        self.conn: Connection | None = None

    def start(self) -> None:
        """Start a fresh worker process (it opens the store on its first query)."""
        parent, child = self._ctx.Pipe(duplex=True)
        self.proc = self._ctx.Process(
            target=_worker_main, args=(child, self._memory_mb), name="sparql-worker", daemon=True
        )
        self.proc.start()
        child.close()
        self.conn = parent

    def stop(self) -> int | None:
        """Kill the worker if it runs and return its exit code."""
        proc, conn, self.proc, self.conn = self.proc, self.conn, None, None
        if conn is not None:
            conn.close()
        if proc is None or self._owner != os.getpid():  # a forked copy of the pool owns nothing
            return None
        if proc.is_alive():
            proc.kill()
        proc.join(5)
        return proc.exitcode

    def call(self, request: tuple, deadline: float, memory_mb: int) -> tuple:
        """Send one request and wait for its reply until the deadline."""
        if self.proc is None or not self.proc.is_alive():
            self.stop()
            self.start()
        if self.conn is None:
            raise RuntimeError("the SPARQL worker started without a connection")
        try:
            self.conn.send(request)
        except OSError:  # died while idle (e.g. killed by the OOM killer): one retry on a fresh one
            self.stop()
            self.start()
            self.conn.send(request)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self.conn.poll(remaining):
                self.stop()
                self.start()
                raise QueryTimeout(f"the query did not finish within {request[-1]:g} s")
            try:
                reply = self.conn.recv()
            except (EOFError, OSError):
                code = self.stop()
                self.start()
                raise _death_error(code, memory_mb) from None
            if reply[0] == "ready":
                log.info("SPARQL worker %s started: %s", self.proc.pid, reply[1])
                continue
            if reply[0] == "error" and reply[1] == "memory":
                self.stop()
                self.start()
            return reply


def _death_error(code: int | None, memory_mb: int) -> QueryFailed:
    """Explain a worker that vanished mid-query."""
    if code in (-signal.SIGABRT, -signal.SIGKILL, -signal.SIGSEGV):
        # pyoxigraph aborts (SIGABRT) when an allocation fails under RLIMIT_AS; SIGKILL is the OOM killer.
        log.warning("SPARQL worker died with signal %s (memory limit %d MB)", -code, memory_mb)
        return QueryMemoryExceeded(f"the query exceeded the memory limit of {memory_mb} MB")
    log.error("SPARQL worker died with exit code %s", code)
    return QueryFailed(f"the query worker died unexpectedly (exit code {code})")


class QueryRunner:
    """A small pool of long-lived query workers over one read-only store; safe to share across threads."""

    # Contract of run():
    # * deadline: timeout_s may only lower the configured one. Waiting for a free worker is bounded by the
    #   same limit (QueryTimeout "busy") and is not charged to the query. On expiry the worker is killed
    #   and replaced at once, and QueryTimeout is raised.
    # * row cap: at most max_rows solutions or triples are written; truncated=True says more existed.
    #   ResultTooLarge only when the serialised result exceeds max_bytes.
    # * dataset: no graph URIs -> default graph = union of all graphs, every named graph visible; any
    #   given -> exactly those (SPARQL Protocol), so named_graph_uris alone leave the default graph empty.
    # * errors: InvalidQuery (also from pyoxigraph's parser, with line/column), QueryRefused (the gate runs
    #   again in the worker), NotAcceptable, InvalidRequest, IndexNotReady, QueryMemoryExceeded (worker
    #   hit memory_mb and died; replaced), QueryFailed (any other worker death or engine error).
    # * memory_mb is address space on top of the worker's start-up size (~60 MB); opening the store's
    #   RocksDB takes about 140 MB of it.

    def __init__(
        self,
        store_path: str | os.PathLike,
        *,
        workers: int = 2,
        timeout_s: float = 5.0,
        memory_mb: int = 2048,
        max_rows: int = 10_000,
        max_bytes: int = 64 << 20,
        base_iri: str = "",
    ):
        if workers < 1 or timeout_s <= 0 or memory_mb < 64 or max_rows < 1 or max_bytes < 1:
            raise ValueError("workers, timeout_s, memory_mb, max_rows and max_bytes must be positive")
        self._store_path = os.path.realpath(store_path)
        self.workers, self.timeout_s, self.memory_mb = workers, timeout_s, memory_mb
        self.max_rows, self.max_bytes = max_rows, max_bytes
        # Relative IRIs in user queries resolve against the served vocabulary's base (KG_BASE_IRI or the
        # artifact's), never a fixed one; "" leaves them unresolvable, and pyoxigraph says so.
        self.base_iri = base_iri
        self._ctx = multiprocessing.get_context("forkserver")
        # Preloading this module in the fork server makes each (re)start a cheap fork of a warm process.
        self._ctx.set_forkserver_preload(["kg.sparql_worker"])
        self._closed = False
        self._reset()
        weakref.finalize(self, QueryRunner._stop_all, self._slots)

    def _reset(self) -> None:
        """Fresh pool state; also used when this object turns up in a forked child process."""
        self._pid = os.getpid()
        self._slots = [_Slot(self._ctx, self.memory_mb) for _ in range(self.workers)]
        self._idle: queue.LifoQueue[_Slot] = queue.LifoQueue()
        for slot in self._slots:
            self._idle.put(slot)

    @staticmethod
    def _stop_all(slots: list[_Slot]) -> None:
        """Kill every worker of a pool."""
        for slot in slots:
            slot.stop()

    def run(
        self,
        query: PreparedQuery,
        *,
        media_type: str,
        timeout_s: float | None = None,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
    ) -> QueryResult:
        """Run a gated query in a worker and return the serialised result."""
        if self._closed:
            raise QueryFailed("the query runner is closed")
        if os.getpid() != self._pid:
            self._reset()
        limit = check_request(query, media_type, timeout_s, self.timeout_s, (*default_graph_uris, *named_graph_uris))
        request = (
            "query", self._store_path, query.text, query.verified, query.prefixes, media_type,
            tuple(default_graph_uris), tuple(named_graph_uris), self.max_rows, self.max_bytes, self.base_iri, limit,
        )  # fmt: skip
        waited = time.monotonic()
        try:
            slot = self._idle.get(timeout=limit)
        except queue.Empty:
            raise QueryTimeout(f"all {self.workers} query workers stayed busy for {limit:g} s") from None
        waited = time.monotonic() - waited
        try:
            # The query gets its whole limit after the wait, so a busy pool doesn't eat its time.
            reply = slot.call(request, time.monotonic() + limit, self.memory_mb)
        except QueryTimeout:
            log.warning("SPARQL query killed after %.1f s (waited %.1f s for a worker)", limit, waited)
            raise
        finally:
            if self._closed:
                slot.stop()
            self._idle.put(slot)
        if reply[0] == "ok":
            return QueryResult(content=reply[1], media_type=reply[2], truncated=reply[3])
        raise _error_from_reply(reply, self.memory_mb)

    def reopen(self, store_path: str | os.PathLike, base_iri: str | None = None) -> None:
        """Serve new queries from another (immutable) store directory; running queries finish on the old one."""
        path = os.path.realpath(store_path)
        if not os.path.isdir(path):
            raise IndexNotReady(f"no store at {path}")
        if base_iri is not None:
            self.base_iri = base_iri
        self._store_path = path  # one reference assignment: atomic for concurrent run() calls
        log.info("SPARQL queries now use %s", path)

    def close(self) -> None:
        """Stop every worker; later run() calls fail."""
        self._closed = True
        while True:
            try:
                self._idle.get_nowait().stop()
            except queue.Empty:
                break

    def __enter__(self) -> QueryRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def check_request(query: PreparedQuery, media_type: str, timeout_s: float | None, max_timeout_s: float,
                  graph_uris: Sequence[str]) -> float:
    """Validate what a runner is asked for (shared by the embedded and remote runners); return the deadline."""
    allowed = RESULT_MEDIA_TYPES if query.form in ("SELECT", "ASK") else GRAPH_MEDIA_TYPES
    if media_type not in allowed:
        raise NotAcceptable(f"{query.form} results cannot be written as {media_type}", list(allowed))
    if timeout_s is not None and not timeout_s > 0:
        raise InvalidRequest("timeout must be a positive number of seconds")
    for uri in graph_uris:
        try:
            ox.NamedNode(uri)
        except (TypeError, ValueError):
            raise InvalidRequest(f"not an absolute IRI: {uri!r}") from None
    return max_timeout_s if timeout_s is None else min(float(timeout_s), max_timeout_s)


def _error_from_reply(reply: tuple, memory_mb: int) -> KGError:
    """Rebuild the worker's error in the parent."""
    _, kind, message, line, column = reply
    if kind == "invalid_query":
        return InvalidQuery(message, line, column)
    classes = {"refused": QueryRefused, "too_large": ResultTooLarge, "index": IndexNotReady}
    if kind == "not_acceptable":
        return NotAcceptable(message, [t for t in GRAPH_MEDIA_TYPES if t != "application/rdf+xml"])
    if kind == "memory":
        return QueryMemoryExceeded(f"the query exceeded the memory limit of {memory_mb} MB")
    return classes.get(kind, QueryFailed)(message)


# ---------------------------------------------------------------- worker process side


def _sandbox(memory_mb: int) -> dict[str, Any]:
    """Limit the worker before it touches the store; returns what could be applied, for the log."""
    info: dict[str, Any] = {}
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)  # die with the fork server, i.e. with the web process
        # Each thread's malloc arena reserves 64 MB of address space; RocksDB's threads would eat the cap.
        libc.mallopt(_M_ARENA_MAX, 2)
    except (OSError, AttributeError):  # not glibc/Linux: the limits below still apply where they exist
        libc = None
    with open("/proc/self/status") as fh:
        base = next(int(ln.split()[1]) * 1024 for ln in fh if ln.startswith("VmSize"))
    cap = base + (memory_mb << 20)
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    info["address_space_mb"] = cap >> 20
    # The gate is the real SSRF protection; an empty network namespace is a second wall where allowed.
    info["network_namespace"] = libc is not None and libc.unshare(_CLONE_NEWNET) == 0
    if libc is not None and not info["network_namespace"]:
        info["unshare_errno"] = ctypes.get_errno()
    sys.setrecursionlimit(200_000)  # rdflib's parser recurses per triple pattern; frames live on the heap
    return info


def _worker_main(conn: Connection, memory_mb: int) -> None:
    """Serve requests from the parent until the pipe closes."""
    conn.send(("ready", _sandbox(memory_mb)))
    stores: dict[str, ox.Store] = {}
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        try:
            reply = _execute(request, stores)
        except MemoryError:
            conn.send(("error", "memory", "", None, None))
            os._exit(3)  # the heap may be fragmented or half-built; start clean
        except KGError as exc:
            reply = ("error", _kind_of(exc), getattr(exc, "message", str(exc)),
                     getattr(exc, "line", None), getattr(exc, "column", None))  # fmt: skip
        except RecursionError:
            reply = ("error", "invalid_query", "the query is nested too deeply", None, None)
        except SyntaxError as exc:  # pyoxigraph's parser: "error at L:C: ..."
            reply = ("error", "invalid_query", *_oxigraph_position(str(exc), request[2]))
        except RuntimeError as exc:
            # The query asks for something the engine does not have (an unknown function IRI): the
            # client's mistake, a 400, not a failure of the service.
            kind = "invalid_query" if "not supported" in str(exc) else "failed"
            reply = ("error", kind, f"the query failed: {exc}", None, None)
        except Exception as exc:
            reply = ("error", "failed", f"the query failed: {exc}", None, None)
        conn.send(reply)


def _kind_of(exc: KGError) -> str:
    """The wire name of an error class."""
    for cls, kind in ((InvalidQuery, "invalid_query"), (QueryRefused, "refused"), (ResultTooLarge, "too_large"),
                      (_Unwritable, "not_acceptable"), (IndexNotReady, "index")):  # fmt: skip
        if isinstance(exc, cls):
            return kind
    return "failed"


def _oxigraph_position(message: str, text: str) -> tuple[str, int | None, int | None]:
    """Split pyoxigraph's 'error at 2:9: expected ...' into a readable message, line and column."""
    head, _, rest = message.partition(": ")
    if not (head.startswith("error at ") and rest):
        return message, None, None
    line_s, _, col_s = head[len("error at ") :].partition(":")
    if not (line_s.isdigit() and col_s.isdigit()):
        return message, None, None
    line, col = int(line_s), int(col_s)
    if "Prefix not found" in rest:
        source = text.split("\n")[line - 1][: col - 1] if line <= text.count("\n") + 1 else ""
        m = re.search(r"([^\s{}()<>;,.]*):[^\s:]*$", source)
        rest = f"undefined prefix {m.group(1) + ':' if m else ''} (declare it with PREFIX)"
    elif len(rest) > 160:  # its "expected one of" lists can run to dozens of character classes
        rest = rest[:150].rstrip() + " …"
    return f"syntax error: {rest}", line, col


def _execute(request: tuple, stores: dict[str, ox.Store]) -> tuple:
    """Gate, run and serialise one query inside the worker."""
    (_, path, text, verified, prefixes, media_type, default, named, max_rows, max_bytes, base_iri, _timeout) = request
    lexical_gate(text)  # never trust a PreparedQuery built by hand
    if not verified:
        verify_query(text)
    store = stores.get(path)
    if store is None:
        stores.clear()  # drop the old artifact's handles before opening the new one
        try:
            store = stores[path] = ox.Store.read_only(path)
        except OSError as exc:
            raise IndexNotReady(f"cannot open the store at {path}: {exc}") from None
    kwargs: dict[str, Any] = {"use_default_graph_as_union": True}
    if default or named:  # SPARQL Protocol: the dataset is exactly the graphs named by the request
        kwargs = {"default_graph": [ox.NamedNode(u) for u in default], "named_graphs": [ox.NamedNode(u) for u in named]}
    # Relative IRIs in a query resolve against the vocabulary's namespace (the protocol leaves the
    # base to the service; without one pyoxigraph rejects them).
    result = store.query(text, base_iri=base_iri or None, **kwargs)
    if isinstance(result, ox.QueryBoolean):
        content, truncated = write_boolean(bool(result), media_type), False
    elif isinstance(result, ox.QuerySolutions):
        content, truncated = write_solutions(result, media_type, max_rows)
    else:
        content, truncated = _write_graph(result, media_type, max_rows, dict(prefixes))
    if len(content) > max_bytes:
        raise ResultTooLarge(f"the result is larger than {max_bytes >> 20} MB; add a LIMIT")
    return ("ok", content, media_type, truncated)


def _write_graph(triples: Any, media_type: str, max_rows: int, prefixes: dict[str, str]) -> tuple[bytes, bool]:
    """Serialise up to max_rows triples in one of the graph formats."""
    kept: list[ox.Triple] = []
    truncated = False
    for triple in triples:
        if len(kept) == max_rows:
            truncated = True
            break
        kept.append(triple)
    fmt = _RDF_FORMATS[media_type]
    use_prefixes = prefixes if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else None
    try:
        content = cast(bytes, ox.serialize(kept, format=fmt, prefixes=use_prefixes))  # no output file: bytes
    except ValueError:  # a PREFIX the serializer will not write; full IRIs are always valid
        content = cast(bytes, ox.serialize(kept, format=fmt))
    # pyoxigraph writes an empty element name when a predicate IRI has no NCName suffix: not XML.
    if fmt == ox.RdfFormat.RDF_XML and re.search(rb"<oxprefix:[\s/>]", content):
        raise _Unwritable("a predicate IRI of this result cannot be written in RDF/XML")
    return content, truncated

