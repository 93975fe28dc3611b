"""kill -9 the builder (`kg add` in a subprocess) during rebuilds: at random moments after each build step,
and exactly inside the publish sequence. After every kill the serving app is still ready, a restart loads
the last good artifact, no artifact without its manifest is ever current, the index agrees with the graph,
the stored document is whole or absent, and the build lock is free again."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time

import pytest
from robust_support import NEW_GLOSSARY, NEW_TERMS, child_env

from kg.build import current_artifact_path
from kg.config import DEFAULT_CORPUS, PROJECT_ROOT
from kg.documents import build_lock
from kg.service import Service
from kg.web import create_app

pytestmark = pytest.mark.slow
RANDOM_RUNS = int(os.environ.get("KG_KILL_RUNS", "4"))
# The JSON build_step lines `kg add` writes to stderr, and about how long the full corpus spends in each
# step here: the kill lands at a random moment inside it.
STEPS = {"store": 0.15, "ingest": 2.0, "graph": 0.9, "index": 0.35}

# Fault injection without touching kg/build.py: the child wraps its functions and SIGKILLs itself at a point.
INJECT = """
import os, signal, sys
import kg.build as b
point, path = sys.argv[1], sys.argv[2]
die = lambda: os.kill(os.getpid(), signal.SIGKILL)
real_symlink = os.symlink
if point == "renamed-not-published":
    b.publish = lambda settings, artifact: die()
elif point == "link-made-not-swapped":
    def symlink(src, dst, *args, **kwargs):
        real_symlink(src, dst, *args, **kwargs)
        if ".current-" in str(dst):
            die()
    os.symlink = symlink
elif point == "published-not-pruned":
    b.prune = lambda settings: die()
from kg.cli import main
main(["add", path])
"""
POINTS = ("renamed-not-published", "link-made-not-swapped", "published-not-pruned")


def _kill_after(proc: subprocess.Popen, step: str, delay: float) -> str:
    """Wait for `step` in the child's stderr, sleep `delay`, SIGKILL it; returns the last step seen."""
    seen = "start"
    for line in proc.stderr:
        if "kg.documents: " in line:
            event = json.loads(line.split("kg.documents: ", 1)[1])
            seen = event.get("step", event["event"])
            if seen == step:
                break
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    proc.stderr.close()
    return seen


def _check_invariants(live, embedder, client, doc: bytes) -> str:
    current = current_artifact_path(live)
    assert current is not None and (current / "manifest.json").is_file()
    for d in live.artifacts_dir.iterdir():
        if d.is_dir() and not d.is_symlink() and not d.name.startswith("."):
            assert (d / "manifest.json").is_file(), f"{d.name}: a published-looking artifact without its manifest"
    assert client.get("/readyz").status_code == 200  # the running service never went down
    assert client.get("/rest/v1/suggest", query_string={"text": "平均処理時間"}).status_code == 200
    restarted = Service(live, embedder=embedder)  # what a restarted worker does
    try:
        artifact = restarted.load()
        assert artifact.path == current
        concepts = artifact.store.select("SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { "
                                         "?c a <http://www.w3.org/2004/02/skos/core#Concept> }")[0]["n"][0]
        assert len(artifact.searcher.index) == int(concepts)  # the index agrees with the graph
    finally:
        restarted.close()
    stored = live.documents_dir / "kill.txt"
    assert not stored.exists() or stored.read_bytes() == doc  # whole or absent, never half-written
    with build_lock(live, wait_s=0):  # the kernel dropped the dead builder's lock
        pass
    return current.name


@pytest.fixture()
def full(live, embedder):
    """The live deployment over the whole bundled corpus, so a rebuild lasts long enough to be cut anywhere."""
    from kg.build import build_artifact

    settings = live.with_(corpus_dir=DEFAULT_CORPUS)
    build_artifact(settings, embedder=embedder)
    return settings


def test_kill9_during_rebuilds_never_serves_a_partial_artifact(full, embedder, tmp_path):
    live = full
    rng = random.Random(int(os.environ.get("KG_KILL_SEED", "9")))
    doc = NEW_GLOSSARY.encode()
    source = tmp_path / "kill.txt"
    source.write_bytes(doc)
    svc = Service(live, embedder=embedder)
    svc.load()
    client = create_app(live, service=svc).test_client()
    env = child_env(live)
    runs = []
    try:
        for i in range(RANDOM_RUNS):
            step = list(STEPS)[i % len(STEPS)]
            delay = rng.uniform(0, STEPS[step])
            for _attempt in range(4):  # a faster machine may finish first: then kill sooner
                before = current_artifact_path(live).name
                proc = subprocess.Popen([sys.executable, "-m", "kg", "add", str(source)], env=env, cwd=PROJECT_ROOT,
                                        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
                seen = _kill_after(proc, step, delay)
                after = _check_invariants(live, embedder, client, doc)
                if proc.returncode == -signal.SIGKILL:
                    break
                delay /= 3
            assert proc.returncode == -signal.SIGKILL, f"the builder always finished before the kill ({seen})"
            runs.append({"kill": f"{delay:.2f}s after {step}", "last_step": seen, "rc": proc.returncode,
                         "serving": "new" if after != before else "previous"})
        for point in POINTS:
            before = current_artifact_path(live).name
            proc = subprocess.run([sys.executable, "-c", INJECT, point, str(source)], env=env, cwd=PROJECT_ROOT,
                                  capture_output=True, text=True, timeout=300)
            assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
            after = _check_invariants(live, embedder, client, doc)
            runs.append({"kill": point, "rc": proc.returncode, "serving": "new" if after != before else "previous"})
        assert {r["serving"] for r in runs if r["kill"] == "published-not-pruned"} == {"new"}
        assert {r["serving"] for r in runs if r["kill"] != "published-not-pruned" and "after" not in r["kill"]} == \
            {"previous"}

        # After all that, an uninterrupted add completes and the document is served.
        done = subprocess.run([sys.executable, "-m", "kg", "add", str(source)], env=env, cwd=PROJECT_ROOT,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        time.sleep(1.1)  # the per-request reload check runs at most once a second
        for term in NEW_TERMS:
            assert client.get("/rest/v1/lookup", query_string={"label": term}).status_code == 200
    finally:
        svc.close()
        out = PROJECT_ROOT / "test-artifacts" / "robustness"
        out.mkdir(parents=True, exist_ok=True)
        (out / "kill9.json").write_text(json.dumps(runs, indent=2), encoding="utf-8")
        print("\nkill -9 runs survived:", json.dumps(runs, ensure_ascii=False))
