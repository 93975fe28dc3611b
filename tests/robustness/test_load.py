"""Bounded load against gunicorn on 127.0.0.1 (suggest, lookup, concept pages, SPARQL): zero errors, with
and without rebuilds swapping the artifact underneath. Figures go to test-artifacts/robustness/."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import pytest
from robust_support import NEW_GLOSSARY, TOKEN, Server, child_env

from kg.build import current_artifact_path
from kg.config import PROJECT_ROOT, Settings

pytestmark = pytest.mark.slow
REQUESTS = int(os.environ.get("KG_LOAD_REQUESTS", "1200"))
CONCURRENCY = 8
FIGURES = PROJECT_ROOT / "test-artifacts" / "robustness"


def _loadtest():
    spec = importlib.util.spec_from_file_location("loadtest", PROJECT_ROOT / "tools" / "loadtest.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["loadtest"] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


loadtest = _loadtest()


@pytest.fixture(scope="module")
def deployment(built, tmp_path_factory) -> Settings:
    """A copy of the session's full-corpus artifact in a data dir of its own (rebuilt freely here)."""
    data = tmp_path_factory.mktemp("load")
    source = current_artifact_path(built)
    (data / "artifacts").mkdir()
    shutil.copytree(source, data / "artifacts" / source.name)
    os.symlink(source.name, data / "artifacts" / "current")
    return Settings(data_dir=data, corpus_dir=built.corpus_dir, write_token=TOKEN)


@pytest.fixture(scope="module")
def server(deployment):
    srv = Server(deployment, workers=2, KG_RATE_LIMITS="off", KG_WRITE_TOKEN=TOKEN)
    yield srv
    srv.stop()


def _save(name: str, report: dict) -> None:
    FIGURES.mkdir(parents=True, exist_ok=True)
    (FIGURES / f"{name}.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print("\n" + loadtest.format_report(report, name))


def _ready(server) -> dict:
    with urllib.request.urlopen(server.url + "/readyz", timeout=10) as r:  # noqa: S310 (loopback)
        return json.loads(r.read())


def test_load_without_rebuilds(server):
    report = loadtest.run_load(server.url, requests=REQUESTS, concurrency=CONCURRENCY)
    _save("load", report)
    assert report["errors"] == 0, report["error_samples"]
    assert report["requests"] == REQUESTS and set(report["by_kind"]) == {"suggest", "lookup", "concept", "sparql"}


def _post_document(server, name: str, body: bytes) -> dict:
    request = urllib.request.Request(f"{server.url}/rest/v1/documents?name={name}&wait=60", data=body, method="POST",
                                     headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/plain"})
    with urllib.request.urlopen(request, timeout=150) as r:  # noqa: S310 (loopback)
        assert r.status in (201, 202)
        job = json.loads(r.read())
        location = r.headers.get("Location")
    # Under load a rebuild may outlast the request's wait (202): follow the job to its end.
    for _ in range(10):
        if r.status == 201 or job.get("status") == "done":
            return job
        status = urllib.request.Request(f"{server.url}{location}?wait=60", headers={"Authorization": f"Bearer {TOKEN}"})
        with urllib.request.urlopen(status, timeout=150) as answer:  # noqa: S310 (loopback)
            job = json.loads(answer.read())
        assert job.get("status") in ("queued", "running", "done"), job
    raise AssertionError(f"the rebuild did not finish: {job}")


def test_load_while_rebuilds_swap_artifacts_underneath(server, deployment, tmp_path):
    before = _ready(server)["artifact"]
    stop, out = threading.Event(), {}
    runner = threading.Thread(target=lambda: out.update(loadtest.run_load(
        server.url, requests=None, stop=stop, concurrency=CONCURRENCY, seed=1)))
    runner.start()
    try:
        time.sleep(2)
        # One rebuild through the write API (built inside a gunicorn worker, under the load) ...
        job = _post_document(server, "load-http.txt", NEW_GLOSSARY.encode("cp932"))
        # ... and one by `kg add` in another process, as an operator would.
        added = tmp_path / "load-cli.txt"
        added.write_text(NEW_GLOSSARY.replace("ロバスト", "負荷試験"), encoding="utf-8")
        cli = subprocess.run([sys.executable, "-m", "kg", "add", str(added)], env=child_env(deployment),
                             cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)
        assert cli.returncode == 0, cli.stderr[-2000:]
        time.sleep(2.5)  # every worker notices the new `current` within its 1 s reload check
    finally:
        stop.set()
        runner.join(120)
    report = out
    _save("load-during-rebuilds", report)
    assert report["errors"] == 0, report["error_samples"]
    final = current_artifact_path(deployment).name
    assert job["artifact"] != before and final not in (before, job["artifact"])
    assert report["artifacts_seen"][0] == before and report["artifacts_seen"][-1] == final
    assert {_ready(server)["artifact"] for _ in range(10)} == {final}  # every worker has swapped


def _raw(server, payload: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        try:
            sock.sendall(payload)
            sock.shutdown(socket.SHUT_WR)  # so a request without its blank line still ends
        except OSError:
            pass  # the server answered (and closed) before taking all of it: read what it said
        chunks = []
        while True:
            try:
                data = sock.recv(65536)
            except ConnectionResetError:
                break
            if not data:
                break
            chunks.append(data)
    return b"".join(chunks)


def test_oversized_and_malformed_requests_through_gunicorn_are_4xx(server):
    big = b"query=" + b"a" * (2 * 1024 * 1024)
    head = (f"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(big)}\r\nConnection: close\r\n\r\n").encode()
    answer = _raw(server, head + big)
    assert answer.startswith(b"HTTP/1.1 413") and b"application/problem+json" in answer
    for garbage in (b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + b"\x00" * 64,  # a TLS hello
                    b"GET /\x00 HTTP/1.1\r\nHost: x\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n",
                    b"GET / HTTP/1.1\r\n" + b"X-Big: " + b"a" * 20000 + b"\r\n\r\n"):
        answer = _raw(server, garbage)
        assert answer == b"" or answer[9:10] == b"4", answer[:200]
    assert _ready(server)["status"] == "ready"


def test_a_long_url_through_gunicorn_is_a_problem_json(server):
    answer = _raw(server, b"GET /rest/v1/search?query=" + b"a" * 40000 + b" HTTP/1.1\r\nHost: x\r\n"
                  b"Connection: close\r\n\r\n")
    assert answer[9:10] == b"4" and b"application/problem+json" in answer


CONCURRENT_PARSE = """
import threading
from kg.errors import InvalidQuery
from kg.sparql import prepare_query
queries = [f"PREFIX skos: <http://www.w3.org/2004/02/skos/core#> SELECT ?c WHERE {{ ?c skos:prefLabel ?l }} LIMIT {i}"
           for i in range(200)]
failures = []
start = threading.Barrier(8)
def parse(part):
    start.wait()  # the first calls at the same moment, as a fresh worker's first requests can be
    for q in part:
        try:
            prepare_query(q)
        except InvalidQuery as exc:
            failures.append(str(exc))
threads = [threading.Thread(target=parse, args=(queries[i::8],)) for i in range(8)]
[t.start() for t in threads]
[t.join(60) for t in threads]
try:
    prepare_query(queries[0] + " OFFSET 1")  # and afterwards, one thread alone
except InvalidQuery as exc:
    failures.append("afterwards: " + str(exc))
print(len(failures), failures[-1] if failures else "")
"""


def test_the_sparql_gate_parses_concurrently():
    """Under gunicorn's threads, a fresh worker's first queries arrive at once: all must parse, and keep parsing.

    In a fresh process: in this one, earlier tests have already made the first calls one at a time."""
    done = subprocess.run([sys.executable, "-c", CONCURRENT_PARSE], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("0 "), done.stdout
