"""Curation decisions are never lost: kill -9 of the server while curators post, of `kg curate` while it
writes, and of `kg build` while it re-applies the log; and curators posting at the same time (two HTTP
clients against gunicorn with two workers, plus a CLI process) all keep every decision."""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from robust_support import child_env, free_port

from kg.build import current_artifact_path
from kg.config import PROJECT_ROOT, Settings
from kg.curation import read_log
from kg.documents import build_lock
from kg.service import Service

pytestmark = pytest.mark.slow
TOKENS = "alice:durable-a,bob:durable-b"


class KillableServer:
    """`python -m kg serve` (gunicorn, 2 workers) in its own session, so kill -9 takes master and workers."""

    def __init__(self, settings: Settings, tokens: str = TOKENS):
        self.url = f"http://127.0.0.1:{free_port()}"
        self.log = settings.data_dir / f"server-{time.monotonic_ns()}.log"
        self._out = open(self.log, "wb")  # noqa: SIM115 (closed in kill)
        port = self.url.rsplit(":", 1)[1]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kg", "serve", "--host", "127.0.0.1", "--port", port],
            env=child_env(settings, KG_WORKERS="2", KG_WRITE_TOKEN=tokens, KG_RATE_LIMITS="off"), cwd=PROJECT_ROOT,
            stdout=self._out, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log.read_text(errors="replace")[-3000:]
            try:
                if get(self.url + "/readyz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("server not ready:\n" + self.log.read_text(errors="replace")[-3000:])

    def kill(self, sig: int = signal.SIGKILL) -> None:
        with contextlib.suppress(ProcessLookupError):  # already gone: nothing left to kill
            os.killpg(self.proc.pid, sig)
        self.proc.wait(30)
        self._out.close()


def get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def post(url: str, body: dict, token: str) -> tuple[int, dict]:
    request = urllib.request.Request(url + "/rest/v1/curations", data=json.dumps(body).encode(), method="POST",
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=120) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def found(url: str, label: str) -> bool:
    status, body = get(url + "/rest/v1/lookup?" + urllib.parse.urlencode({"label": label}))
    return status == 200 and bool(body.get("result"))


def concepts(url: str, n: int) -> list[str]:
    status, body = get(url + f"/rest/v1/review?limit={n}")
    assert status == 200 and body["results"]
    return [r["uri"] for r in body["results"]]


def served_labels(settings: Settings, embedder, labels) -> set[str]:
    """The labels a freshly started server finds (what a restart after the crash serves)."""
    svc = Service(settings, embedder=embedder)
    try:
        svc.load()
        return {label for label in labels if svc.lookup(label)}
    finally:
        svc.close()


def test_kill9_of_the_server_while_curators_post_loses_no_acknowledged_decision(live, embedder):
    rng = random.Random(int(os.environ.get("KG_KILL_SEED", "13")))
    acknowledged: list[tuple[str, str]] = []  # (decision id, label) answered 201
    for round_ in range(3):
        server = KillableServer(live)
        targets = concepts(server.url, 5)
        stop = threading.Event()

        def curator(url=server.url, targets=targets, round_=round_, stop=stop):
            for i in range(1000):
                if stop.is_set():
                    return
                label = f"耐久語{round_}x{i}"
                try:
                    status, body = post(url, {"concept": targets[i % len(targets)], "action": "relate",
                                              "type": "synonym", "target": label}, "alice:durable-a")
                except OSError:  # the server died under us: whatever was not answered was not acknowledged
                    return
                if status == 201:
                    acknowledged.append((body["id"], label))

        thread = threading.Thread(target=curator)
        thread.start()
        time.sleep(rng.uniform(1.5, 4.0))  # lands anywhere in a check, an append or a republish
        server.kill()
        stop.set()
        thread.join(150)
        assert not thread.is_alive()
        logged = {d.id for d in read_log(live).decisions}
        assert {i for i, _ in acknowledged} <= logged  # every 201 was fsynced before it was sent
        assert served_labels(live, embedder, [lb for _, lb in acknowledged]) == {lb for _, lb in acknowledged}
        with build_lock(live, wait_s=0):  # the kernel released the dead worker's build lock
            pass
    assert len(acknowledged) >= 3, "no decision was acknowledged before the kills: the test proved nothing"

    # A full rebuild re-applies the whole log, the logged-but-unpublished decision included.
    done = subprocess.run([sys.executable, "-m", "kg", "build"], env=child_env(live), cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0 and "not applied" not in done.stderr, done.stderr[-2000:]
    manifest = json.loads((current_artifact_path(live) / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["curations"]["applied"] == len(read_log(live).decisions)
    assert served_labels(live, embedder, [lb for _, lb in acknowledged]) == {lb for _, lb in acknowledged}


def _events(proc: subprocess.Popen, wanted: str) -> None:
    """Read the child's JSON log lines until `wanted` (an event or build step) shows."""
    for line in proc.stderr:
        if "kg.documents: " in line:
            event = json.loads(line.split("kg.documents: ", 1)[1])
            if wanted in (event.get("event"), event.get("step")):
                return


def test_kill9_of_kg_curate_and_of_kg_build_keeps_every_decision(live, embedder):
    rng = random.Random(int(os.environ.get("KG_KILL_SEED", "7")))
    env = child_env(live, KG_WRITE_TOKEN=TOKENS)
    svc = Service(live, embedder=embedder)
    svc.load()
    # an entry without a stated headword, found by its definition (its recovered name may change)
    [row] = svc.artifact.store.select('SELECT DISTINCT ?c WHERE { ?c <http://www.w3.org/2004/02/skos/core#definition> '
                                      '?d FILTER(CONTAINS(STR(?d), "モニタリングの結果を照合し")) }')
    uri = row["c"][0]
    svc.close()
    acknowledged: list[str] = []
    kills = []
    for i in range(4):  # `kg curate` killed at a random moment after it took the lock
        label = f"途中語{i}"
        proc = subprocess.Popen([sys.executable, "-m", "kg", "curate", "relate", uri, "synonym", label], env=env,
                                cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        _events(proc, "build_lock")
        time.sleep(rng.uniform(0, 0.6))
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        proc.stderr.close()
        kills.append(proc.returncode)
        contents = read_log(live)
        assert all(d.id for d in contents.decisions)  # whole lines or none; a torn tail is never applied
        done = subprocess.run([sys.executable, "-m", "kg", "curate", "relate", uri, "synonym", f"確定語{i}"],
                              env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        acknowledged.append(f"確定語{i}")
        assert read_log(live).damaged == []  # the next append cut any torn tail first
        assert served_labels(live, embedder, acknowledged) == set(acknowledged)
    assert -signal.SIGKILL in kills

    log_bytes = (live.data_dir / "curations.jsonl").read_bytes()
    for step in ("ingest", "graph", "curation", "index"):  # `kg build` killed while it re-applies the log
        proc = subprocess.Popen([sys.executable, "-c", "import logging, sys; from kg.cli import main; "
                                 "logging.basicConfig(); logging.getLogger('kg.documents').setLevel(logging.INFO); "
                                 "main(['add', sys.argv[1]])", str(live.corpus_dir / "bare_001.txt")],
                                env=env, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        _events(proc, step)
        time.sleep(rng.uniform(0, 0.3))
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        proc.stderr.close()
        assert (live.data_dir / "curations.jsonl").read_bytes() == log_bytes  # a build never rewrites the log
        current = current_artifact_path(live)
        assert current is not None and (current / "manifest.json").is_file()
        assert served_labels(live, embedder, acknowledged) == set(acknowledged)
        with build_lock(live, wait_s=0):
            pass


def test_two_curators_and_a_cli_process_at_once_lose_nothing(live, embedder):
    server = KillableServer(live)
    try:
        targets = concepts(server.url, 4)
        results: dict[str, list] = {"alice": [], "bob": []}

        def curator(name: str, token: str):
            for i in range(4):
                label = f"{name}語{i}"
                status, body = post(server.url, {"concept": targets[i % len(targets)], "action": "relate",
                                                 "type": "synonym", "target": label}, token)
                results[name].append((status, body.get("who"), label))

        threads = [threading.Thread(target=curator, args=("alice", "alice:durable-a")),
                   threading.Thread(target=curator, args=("bob", "bob:durable-b"))]
        cli = subprocess.Popen([sys.executable, "-m", "kg", "curate", "--as", "carol", "relate", targets[0],
                                "synonym", "carol語0"], env=child_env(live, KG_WRITE_TOKEN=TOKENS), cwd=PROJECT_ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for t in threads:
            t.start()
        for t in threads:
            t.join(300)
        _out, err = cli.communicate(timeout=300)
        assert cli.returncode == 0, err[-2000:]
        for name, rows in results.items():
            assert [(s, w) for s, w, _ in rows] == [(201, name)] * 4, rows
        labels = [lb for rows in results.values() for _, _, lb in rows] + ["carol語0"]
        decisions = read_log(live).decisions
        assert sorted(d.target for d in decisions) == sorted(labels)
        assert sorted(d.who for d in decisions) == ["alice"] * 4 + ["bob"] * 4 + ["carol"]
        for label in labels:  # both workers serve every decision (each request may land on either)
            assert all(found(server.url, label) for _ in range(3)), label
    finally:
        server.kill(signal.SIGTERM)
