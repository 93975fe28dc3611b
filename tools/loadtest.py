"""Bounded load test against a server on loopback: suggest, lookup, concept pages and SPARQL, mixed.

    python tools/loadtest.py --url http://127.0.0.1:5000 --requests 2000 --concurrency 8
    python tools/loadtest.py --seconds 30 --json

Bounded by a request count or a number of seconds (or a stop event when imported). Reports errors (any
exception or unexpected status), throughput and p50/p90/p99/max latency overall and per kind, and the
artifacts /readyz reported during the run (more than one: a rebuild was swapped in underneath).
Only 127.0.0.1 / localhost / ::1 are accepted: this tool never sends traffic anywhere else.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import sys
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
MIX = (("suggest", 35), ("lookup", 25), ("concept", 25), ("sparql", 15))
QUESTIONS = ("AHTって何", "お客様を待たせる時間", "電話がつながらない", "オペレーターの評価", "通話の録音",
             "first call resolution", "放棄呼", "コストを減らしたい")
SPARQL = (
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> SELECT (COUNT(?c) AS ?n) WHERE { ?c a skos:Concept }",
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> SELECT ?c ?l WHERE { ?c skos:prefLabel ?l } LIMIT 20",
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> ASK { ?a skos:related ?b }",
)


@dataclass
class Result:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter = field(default_factory=Counter)
    samples: list[str] = field(default_factory=list)
    artifacts: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def _summary(values: list[float]) -> dict:
    return {"requests": len(values), "p50_ms": round(_percentile(values, 50) * 1000, 1),
            "p90_ms": round(_percentile(values, 90) * 1000, 1), "p99_ms": round(_percentile(values, 99) * 1000, 1),
            "max_ms": round(max(values, default=0) * 1000, 1)}


def report(result: Result) -> dict:
    every = [v for values in result.latencies.values() for v in values]
    total = len(every) + sum(result.errors.values())
    return {"requests": total, "errors": sum(result.errors.values()), "error_kinds": dict(result.errors),
            "error_samples": result.samples[:10], "seconds": round(result.seconds, 2),
            "throughput_rps": round(total / result.seconds, 1) if result.seconds else 0.0,
            **{k: v for k, v in _summary(every).items() if k != "requests"},
            "by_kind": {kind: _summary(values) for kind, values in sorted(result.latencies.items())},
            "artifacts_seen": result.artifacts}


class _Client:
    """One keep-alive connection; reconnects after an error so one failure is counted once."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.conn: http.client.HTTPConnection | None = None

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            self.conn.request("GET", path, headers=headers or {})
            response = self.conn.getresponse()
            body = response.read()
            if response.getheader("Connection", "").lower() == "close":
                self.close()
            return response.status, body
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def _targets(client: _Client) -> list[tuple[str, str]]:
    """(label, concept path) pairs of the served vocabulary, to look up and to open."""
    status, body = client.get("/rest/v1/callcenter/search?" + urllib.parse.urlencode({"query": "*", "maxhits": 300}))
    if status != 200:
        raise RuntimeError(f"cannot list concepts to load with: /rest/v1/callcenter/search answered {status}")
    # A recovered (machine-guessed) name may improve when a rebuild brings more evidence, so lookups
    # by label use stated names only; concept pages, by IRI, cover every concept.
    query = 'SELECT ?c WHERE { ?c ?p "recovered" FILTER(STRENDS(STR(?p), "headwordStatus")) }'
    status, found = client.get("/sparql?" + urllib.parse.urlencode({"query": query}),
                               {"Accept": "application/sparql-results+json"})
    recovered = {b["c"]["value"] for b in json.loads(found)["results"]["bindings"]} if status == 200 else set()
    out = []
    for row in json.loads(body)["results"]:
        if "/concept/" in row["uri"] and row.get("prefLabel"):
            label = row["prefLabel"] if row["uri"] not in recovered else ""
            out.append((label, "/concept/" + row["uri"].split("/concept/", 1)[1]))
    if not out:
        raise RuntimeError("the served vocabulary has no concepts")
    return out


def _warm_up(host: str, port: int) -> None:
    """Send each SPARQL query a few times, one at a time and on fresh connections (so every worker gets
    them): the figures are for a warm server, not for each worker's first parse of each query."""
    for query in SPARQL:
        for _ in range(8):
            client = _Client(host, port)
            try:
                client.get("/sparql?" + urllib.parse.urlencode({"query": query}),
                           {"Accept": "application/sparql-results+json", "Connection": "close"})
            except (OSError, http.client.HTTPException):
                pass  # counted in the run itself if it persists
            finally:
                client.close()


def _request(kind: str, rng: random.Random, targets: list[tuple[str, str]]) -> tuple[str, dict[str, str]]:
    label, page = rng.choice(targets)
    if kind in ("suggest", "lookup") and not label:  # a machine-guessed name: look up a stated one
        label = rng.choice([t[0] for t in targets if t[0]] or ["AHT"])
    if kind == "suggest":
        text = rng.choice(QUESTIONS) if rng.random() < 0.5 else label
        return "/rest/v1/suggest?" + urllib.parse.urlencode({"text": text, "limit": 5}), {}
    if kind == "lookup":
        return "/rest/v1/lookup?" + urllib.parse.urlencode({"label": label}), {}
    if kind == "concept":
        return urllib.parse.quote(page), {"Accept": "text/html"}
    return ("/sparql?" + urllib.parse.urlencode({"query": rng.choice(SPARQL)}),
            {"Accept": "application/sparql-results+json"})


def run_load(url: str, *, requests: int | None = None, seconds: float | None = None, concurrency: int = 8,
             stop: threading.Event | None = None, seed: int = 0) -> dict:
    """Send the mix until `requests` are done, `seconds` have passed or `stop` is set; return the report."""
    parts = urllib.parse.urlsplit(url)
    if parts.hostname not in LOOPBACK:
        raise ValueError(f"refusing to load {parts.hostname!r}: only loopback addresses are allowed")
    if requests is None and seconds is None and stop is None:
        raise ValueError("give requests, seconds or a stop event: the run must be bounded")
    host, port = parts.hostname, parts.port or 80
    lister = _Client(host, port)
    try:
        targets = _targets(lister)
    finally:
        lister.close()
    _warm_up(host, port)
    kinds = [k for k, weight in MIX for _ in range(weight)]
    result, lock = Result(), threading.Lock()
    remaining = [requests if requests is not None else float("inf")]
    started = time.perf_counter()
    deadline = started + seconds if seconds is not None else float("inf")
    done = threading.Event()

    def more() -> bool:
        with lock:
            if remaining[0] <= 0 or time.perf_counter() >= deadline or (stop is not None and stop.is_set()):
                return False
            remaining[0] -= 1
            return True

    def worker(index: int) -> None:
        rng, client = random.Random(seed * 1000 + index), _Client(host, port)
        while more():
            kind = rng.choice(kinds)
            path, headers = _request(kind, rng, targets)
            t0 = time.perf_counter()
            try:
                status, body = client.get(path, headers)
            except (OSError, http.client.HTTPException) as exc:
                status, body = None, repr(exc).encode()
            elapsed = time.perf_counter() - t0
            with lock:
                # lookup of a label taken from the vocabulary itself must succeed; everything else too
                if status == 200:
                    result.latencies[kind].append(elapsed)
                else:
                    result.errors[f"{kind} {status}"] += 1
                    if len(result.samples) < 10:
                        result.samples.append(f"{kind} {status} {path[:80]} {body[:160]!r}")
        client.close()

    def watch_artifacts() -> None:
        client = _Client(host, port)
        while not done.is_set():
            try:
                status, body = client.get("/readyz")
                name = json.loads(body).get("artifact") if status == 200 else None
            except (OSError, ValueError, http.client.HTTPException):
                name = None
            if name and (not result.artifacts or result.artifacts[-1] != name):
                result.artifacts.append(name)
            done.wait(0.25)
        client.close()

    watcher = threading.Thread(target=watch_artifacts, daemon=True)
    watcher.start()
    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.seconds = time.perf_counter() - started
    done.set()
    watcher.join(5)
    return report(result)


def format_report(r: dict, title: str = "load") -> str:
    lines = [f"{title}: {r['requests']} requests in {r['seconds']} s, {r['throughput_rps']} req/s, "
             f"{r['errors']} errors; p50 {r['p50_ms']} ms, p90 {r['p90_ms']} ms, p99 {r['p99_ms']} ms, "
             f"max {r['max_ms']} ms; artifacts seen: {', '.join(r['artifacts_seen']) or '-'}"]
    for kind, s in r["by_kind"].items():
        lines.append(f"  {kind:8s} {s['requests']:6d}  p50 {s['p50_ms']:7.1f}  p99 {s['p99_ms']:7.1f}  "
                     f"max {s['max_ms']:7.1f} ms")
    lines += [f"  error: {sample}" for sample in r["error_samples"]]
    return "\n".join(lines)


def main(argv: list[str] | None = None, out: Callable[[str], None] = print) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:5000")
    parser.add_argument("--requests", type=int, default=None, help="stop after this many (default 1000)")
    parser.add_argument("--seconds", type=float, default=None, help="stop after this many seconds")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    requests = args.requests if args.requests is not None or args.seconds is not None else 1000
    r = run_load(args.url, requests=requests, seconds=args.seconds, concurrency=args.concurrency, seed=args.seed)
    out(json.dumps(r, ensure_ascii=False, indent=2) if args.json else format_report(r))
    return 1 if r["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
