"""A remote SPARQL 1.1 store behind /sparql (`KG_STORE=sparql+http://host:port/path/`).

What moves and what stays:
* User queries still pass the gate (`kg.sparql`) in our process: only gated SELECT/ASK/CONSTRUCT/
  DESCRIBE text is sent. That matters more here than for the embedded store, because Oxigraph
  server (like every embedded engine) would follow `SERVICE` and `LOAD` URLs itself.
* The store gets the same dataset semantics as the embedded one: no graph URIs -> union default
  graph (Oxigraph: the `union-default-graph` parameter), otherwise exactly the graphs named by
  `default-graph-uri` / `named-graph-uri`. Results come back as SPARQL JSON / N-Triples and are
  re-written by our own serialisers, so both stores answer byte for byte alike, with the same row cap.
* The artifact stays local: the search index, the concept pages and REST (trusted queries on the
  artifact's read-only store) and the service description. `kg build` writes the artifact as before
  and, before publishing it, replaces the remote dataset with one SPARQL Update request
  (`DROP ALL ; INSERT DATA { GRAPH <g> { ... } ... }`).

Atomicity, honestly: Oxigraph runs one update request in one transaction, so readers see the old
dataset or the new one (tests/kg/test_remote_store.py checks it under concurrent reads). Limits:
the request must fit Oxigraph's 128 MB body limit (MAX_UPDATE_BYTES; about 700k triples of our
kind) and the transaction is held in the server's memory; larger datasets need `oxigraph load` into
a fresh directory and a restart or a `serve-read-only` replica swap. The remote replace happens just
before the local `current` symlink moves, so for that moment /sparql already answers from the new
data while pages still show the old artifact; if publishing fails afterwards, the store stays ahead
until the next build. Two concurrent builds: the last one wins.

Running N stateless app workers against one store:
    oxigraph serve --location /srv/kg-store --bind 127.0.0.1:7878 --timeout-s 10   # under a memory
        # limit and a restart policy (systemd MemoryMax=, Restart=always): --timeout-s does not stop
        # in-memory joins such as cartesian products, and an allocation failure aborts the server
    KG_STORE=sparql+http://127.0.0.1:7878/ python -m kg build      # once, on one host
    KG_STORE=sparql+http://127.0.0.1:7878/ KG_WORKERS=8 python -m kg serve   # gunicorn, gthread x4
Each gunicorn worker keeps no state of its own: it reads the immutable artifact under KG_DATA_DIR
(share it read-only, or copy it, to more hosts) and forwards /sparql to the store. No query worker
processes are started in remote mode; each app worker allows KG_SPARQL_WORKERS queries in flight
and enforces KG_SPARQL_TIMEOUT on its side (the client gives up and closes the connection).
Never expose the store itself; bind it to a private address.

Other stores (the KG_STORE query string names the paths and turns the union parameter off):
* Fuseki: `sparql+http://host:3030/kg/?union=none` (/kg/query, /kg/update); set
  `tdb2:unionDefaultGraph true` on the dataset, since Fuseki ignores `union-default-graph`. One update
  request is one TDB2 write transaction, so the replace stays atomic; raise Fuseki's request size
  limit for large vocabularies. User:password in the URL is sent as HTTP Basic auth.
* Virtuoso: `sparql+http://host:8890/?query=sparql&update=sparql-auth&union=none`. Its default graph
  also holds system graphs (scope queries with default-graph-uri), writes need digest auth (not
  implemented here: load with `ld_dir`/`rdf_loader_run` instead), and a large INSERT DATA is neither
  accepted nor transactional. Its direct-POST hang does not matter: we send form-encoded POSTs.
"""

from __future__ import annotations

import base64
import http.client
import logging
import socket
import threading
import time
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any, cast

import pyoxigraph as ox

from kg.errors import (
    BuildError,
    ConfigError,
    IndexNotReady,
    InvalidQuery,
    QueryFailed,
    QueryRefused,
    QueryTimeout,
    ResultTooLarge,
)
from kg.sparql import PreparedQuery, lexical_gate, write_boolean, write_solutions
from kg.store import solutions_of

log = logging.getLogger(__name__)

EMBEDDED = "embedded"
MAX_UPDATE_BYTES = 120 << 20  # Oxigraph server refuses SPARQL bodies over 128 MB
_RESULTS_JSON = "application/sparql-results+json"
_NTRIPLES = "application/n-triples"


@dataclass(frozen=True)
class Endpoints:
    """Where a remote store answers queries and updates, and how it wants the union default graph."""

    query_url: str
    update_url: str
    union_param: bool = True  # send union-default-graph (Oxigraph); off for stores configured server-side
    authorization: str | None = None

    def __repr__(self) -> str:  # never print credentials
        return f"Endpoints(query_url={self.query_url!r}, update_url={self.update_url!r})"


def parse_store(value: str) -> Endpoints | None:
    """None for the embedded store, else the endpoints named by a `sparql+http(s)://` KG_STORE value."""
    if not value or value == EMBEDDED:
        return None
    if not value.startswith(("sparql+http://", "sparql+https://")):
        raise ConfigError(f"KG_STORE must be 'embedded' or sparql+http://host:port/path/, got {value!r}")
    url = urllib.parse.urlsplit(value[len("sparql+"):])
    if not url.hostname:
        raise ConfigError(f"KG_STORE has no host: {value!r}")
    options = dict(urllib.parse.parse_qsl(url.query))
    unknown = set(options) - {"query", "update", "union"}
    if unknown or options.get("union", "param") not in ("param", "none"):
        raise ConfigError(f"KG_STORE options are query=, update= and union=param|none, got {url.query!r}")
    netloc = url.hostname if url.port is None else f"{url.hostname}:{url.port}"
    if ":" in url.hostname:  # an IPv6 literal keeps its brackets
        netloc = f"[{url.hostname}]" + (f":{url.port}" if url.port else "")
    base = urllib.parse.urlunsplit((url.scheme, netloc, url.path.rstrip("/") + "/", "", ""))
    auth = None
    if url.username is not None:
        pair = f"{urllib.parse.unquote(url.username)}:{urllib.parse.unquote(url.password or '')}"
        auth = "Basic " + base64.b64encode(pair.encode()).decode()
    return Endpoints(query_url=urllib.parse.urljoin(base, options.get("query", "query")),
                     update_url=urllib.parse.urljoin(base, options.get("update", "update")),
                     union_param=options.get("union", "param") == "param", authorization=auth)


class _Reader:
    """A response body that gives up at a deadline or past a byte limit (pyoxigraph parses from it)."""

    def __init__(self, response: http.client.HTTPResponse, sock: socket.socket | None, deadline: float, limit: int):
        self._response, self._sock, self._deadline, self._limit = response, sock, deadline, limit
        self.read_bytes = 0

    def read(self, size: int = -1) -> bytes:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("deadline")
        if self._sock is not None:
            self._sock.settimeout(remaining)
        chunk = self._response.read(size if size and size > 0 else 65536)
        self.read_bytes += len(chunk)
        if self.read_bytes > self._limit:
            raise ResultTooLarge(f"the store's answer is larger than {self._limit >> 20} MB; add a LIMIT")
        return chunk


class RemoteStore:
    """Plain HTTP to a SPARQL 1.1 store: gated queries, and whole-dataset replacement for builds."""

    def __init__(self, endpoints: Endpoints):
        self.endpoints = endpoints

    def _open(self, url: str, body: bytes, content_type: str, accept: str, timeout: float):
        """POST body to url; returns (connection, response) with the connection still open."""
        parts = urllib.parse.urlsplit(url)
        cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        if not parts.hostname:
            raise ConfigError(f"the SPARQL store URL {url!r} names no host")
        conn = cls(parts.hostname, parts.port, timeout=timeout)
        headers = {"Content-Type": content_type, "Accept": accept, "User-Agent": "jaterm-kg"}
        if self.endpoints.authorization:
            headers["Authorization"] = self.endpoints.authorization
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        try:
            conn.request("POST", path, body=body, headers=headers)
            conn._kg_sock = conn.sock  # type: ignore[attr-defined]  # getresponse() may hand the socket over
            return conn, conn.getresponse()
        except TimeoutError:
            conn.close()
            raise
        except OSError as exc:
            conn.close()
            raise IndexNotReady(f"the SPARQL store at {parts.netloc} cannot be reached: {exc}") from None

    def query(self, text: str, *, accept: str, timeout: float, default_graph_uris: Sequence[str] = (),
              named_graph_uris: Sequence[str] = ()):
        """Send a query (form-encoded POST) with our dataset semantics; returns (connection, response)."""
        params = [("query", text)]
        params += [("default-graph-uri", u) for u in default_graph_uris]
        params += [("named-graph-uri", u) for u in named_graph_uris]
        if not (default_graph_uris or named_graph_uris) and self.endpoints.union_param:
            params.append(("union-default-graph", ""))
        body = urllib.parse.urlencode(params).encode()
        return self._open(self.endpoints.query_url, body, "application/x-www-form-urlencoded", accept, timeout)

    def select(self, text: str, timeout: float = 30.0) -> list[dict[str, Any]]:
        """A trusted SELECT (ours, never a user's) as a list of {variable: pyoxigraph term}."""
        conn, response = self.query(text, accept=_RESULTS_JSON, timeout=timeout)
        try:
            body = response.read()
            if response.status != 200:
                raise QueryFailed(f"the store answered {response.status}: {body[:300].decode('utf-8', 'replace')}")
        finally:
            conn.close()
        solutions = solutions_of(ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON))
        names = [v.value for v in solutions.variables]
        return [{n: row[n] for n in names if row[n] is not None} for row in solutions]

    def count_named_quads(self) -> int:
        """Quads in the named graphs (the default graph may be the union, depending on the server's flags)."""
        return int(self.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")[0]["n"].value)

    def update(self, text: str, timeout: float = 600.0) -> None:
        """Run one SPARQL Update request (trusted text only)."""
        body = text.encode("utf-8")
        conn, response = self._open(self.endpoints.update_url, body, "application/sparql-update", "*/*", timeout)
        try:
            answer = response.read()
        finally:
            conn.close()
        if response.status >= 300:
            raise BuildError(f"the store refused the update ({response.status}): "
                             f"{answer[:300].decode('utf-8', 'replace')}")

    def replace_dataset(self, nquads: bytes, *, max_bytes: int = MAX_UPDATE_BYTES) -> int:
        """Replace everything in the store with these N-Quads in one update request; returns the quad count."""
        text, quads, named = replacement_update(nquads)
        size = len(text.encode("utf-8"))
        if size > max_bytes:
            raise BuildError(f"the dataset makes a {size >> 20} MB update, over the {max_bytes >> 20} MB that one "
                             "atomic request may carry: load it with `oxigraph load` into a fresh store instead")
        started = time.perf_counter()
        self.update(text)
        held = self.count_named_quads()
        if held != named:  # someone else wrote in between, or the store dropped data
            raise BuildError(f"the store holds {held} quads in named graphs after the replace, expected {named}")
        log.info("replaced the remote dataset: %d quads in %.1f s", quads, time.perf_counter() - started)
        return quads


def replacement_update(nquads: bytes) -> tuple[str, int, int]:
    """`DROP ALL ; INSERT DATA { ... }` holding these N-Quads by graph; distinct quads, and those in named graphs."""
    graphs: dict[str, set[str]] = {}
    for quad in ox.parse(nquads, format=ox.RdfFormat.N_QUADS):
        key = "" if isinstance(quad.graph_name, ox.DefaultGraph) else str(quad.graph_name)
        graphs.setdefault(key, set()).add(f"{quad.subject} {quad.predicate} {quad.object} .")
    out = ["DROP ALL ;\nINSERT DATA {"]
    for graph in sorted(graphs):  # N-Triples term syntax is valid SPARQL; sorted for a stable request
        lines = "\n".join(sorted(graphs[graph]))
        out.append(f"GRAPH {graph} {{\n{lines}\n}}" if graph else lines)
    out.append("}")
    total = sum(len(g) for g in graphs.values())
    return "\n".join(out), total, total - len(graphs.get("", ()))


def replace_remote_dataset(store_value: str, nquads: bytes) -> int:
    """What `kg build` calls when KG_STORE names a remote store."""
    endpoints = parse_store(store_value)
    if endpoints is None:
        raise ConfigError("replace_remote_dataset needs a sparql+http:// KG_STORE")
    return RemoteStore(endpoints).replace_dataset(nquads)


class RemoteRunner:
    """QueryRunner's contract (deadline, row cap, dataset, errors) for queries sent to a remote store."""

    def __init__(self, store: RemoteStore, *, workers: int = 2, timeout_s: float = 5.0, max_rows: int = 10_000,
                 max_bytes: int = 64 << 20):
        if workers < 1 or timeout_s <= 0 or max_rows < 1 or max_bytes < 1:
            raise ValueError("workers, timeout_s, max_rows and max_bytes must be positive")
        self.store, self.workers, self.timeout_s = store, workers, timeout_s
        self.max_rows, self.max_bytes = max_rows, max_bytes
        self._slots = threading.BoundedSemaphore(workers)
        self._closed = False

    @classmethod
    def from_settings(cls, settings) -> RemoteRunner:
        endpoints = parse_store(settings.store)
        if endpoints is None:
            raise ConfigError("RemoteRunner needs a sparql+http:// KG_STORE")
        return cls(RemoteStore(endpoints), workers=settings.sparql_workers, timeout_s=settings.sparql_timeout_s,
                   max_rows=settings.sparql_max_rows)

    def run(self, query: PreparedQuery, *, media_type: str, timeout_s: float | None = None,
            default_graph_uris: Sequence[str] = (), named_graph_uris: Sequence[str] = ()):
        """Send a gated query to the store and re-serialise its answer as media_type."""
        from kg.sparql import _verify_with_budget
        from kg.sparql_worker import QueryResult, check_request

        if self._closed:
            raise QueryFailed("the query runner is closed")
        limit = check_request(query, media_type, timeout_s, self.timeout_s, (*default_graph_uris, *named_graph_uris))
        started = time.monotonic()
        lexical_gate(query.text)  # never trust a PreparedQuery built by hand
        if not query.verified and _verify_with_budget(query.text, limit) is None:
            # The embedded path finishes this check in a sandboxed worker; nothing unverified leaves us.
            raise QueryRefused("the query is too large or too deeply nested to be checked; simplify it")
        if not self._slots.acquire(timeout=max(0.0, limit - (time.monotonic() - started))):
            raise QueryTimeout(f"all {self.workers} store connections stayed busy for {limit:g} s")
        try:
            content, truncated = self._fetch(query, media_type, time.monotonic() + limit, limit,
                                             default_graph_uris, named_graph_uris)
        finally:
            self._slots.release()
        if len(content) > self.max_bytes:
            raise ResultTooLarge(f"the result is larger than {self.max_bytes >> 20} MB; add a LIMIT")
        return QueryResult(content=content, media_type=media_type, truncated=truncated)

    def _fetch(self, query: PreparedQuery, media_type: str, deadline: float, limit: float,
               default_graph_uris: Sequence[str], named_graph_uris: Sequence[str]) -> tuple[bytes, bool]:
        from kg.sparql_worker import _write_graph

        graph = query.form in ("CONSTRUCT", "DESCRIBE")
        conn = None
        try:
            conn, response = self.store.query(query.text, accept=_NTRIPLES if graph else _RESULTS_JSON,
                                              timeout=limit, default_graph_uris=default_graph_uris,
                                              named_graph_uris=named_graph_uris)
            if response.status != 200:
                raise _store_error(response.status, response.read(2000).decode("utf-8", "replace"))
            # pyoxigraph reads any object with read(size); typed, it asks for a file.
            reader = cast(IO[bytes], _Reader(response, conn._kg_sock, deadline, 2 * self.max_bytes))
            if graph:
                triples = (q.triple for q in ox.parse(reader, format=ox.RdfFormat.N_TRIPLES))
                return _write_graph(triples, media_type, self.max_rows, dict(query.prefixes))
            result = ox.parse_query_results(reader, format=ox.QueryResultsFormat.JSON)
            if isinstance(result, ox.QueryBoolean):
                return write_boolean(bool(result), media_type), False
            return write_solutions(result, media_type, self.max_rows)
        except TimeoutError:
            raise QueryTimeout(f"the query did not finish within {limit:g} s") from None
        except SyntaxError as exc:  # a body cut short: Oxigraph ends a cancelled stream with a message
            if time.monotonic() >= deadline or "cancel" in str(exc).lower():
                raise QueryTimeout(f"the query did not finish within {limit:g} s") from None
            raise QueryFailed(f"the store sent a malformed result: {exc}") from None
        except OSError as exc:
            if "cancel" in str(exc).lower():
                raise QueryTimeout(f"the store cancelled the query (its own time limit): {exc}") from None
            raise QueryFailed(f"reading the store's answer failed: {exc}") from None
        finally:
            if conn is not None:
                conn.close()  # closing mid-stream is how a truncated answer tells the store to stop

    def reopen(self, store_path, base_iri: str | None = None) -> None:
        """Nothing to do: builds replace the remote dataset themselves (same signature as QueryRunner's)."""

    def close(self) -> None:
        self._closed = True


def _store_error(status: int, message: str) -> Exception:
    """The store's error response as one of ours."""
    text = " ".join(message.split())[:300]
    if status == 400:
        return InvalidQuery(f"the store rejected the query: {text}")
    if "cancel" in text.lower() or "timeout" in text.lower() or status in (503, 504):
        return QueryTimeout(f"the store gave up on the query: {text}")
    if status in (401, 403):
        return QueryFailed(f"the store refused our credentials ({status})")
    return QueryFailed(f"the store failed ({status}): {text}")
