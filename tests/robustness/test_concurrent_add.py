"""Concurrent `kg add` processes: one build at a time; the others queue on the lock or fail clearly."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from robust_support import NEW_GLOSSARY, child_env

from kg.build import current_artifact_path
from kg.config import PROJECT_ROOT
from kg.documents import build_lock

pytestmark = pytest.mark.slow


def _add(live, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "kg", "add", *args], env=child_env(live), cwd=PROJECT_ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_adds_at_once_queue_and_both_land(live, tmp_path):
    files = []
    for name, prefix in (("a.txt", "並列甲"), ("b.txt", "並列乙")):
        path = tmp_path / name
        path.write_text(NEW_GLOSSARY.replace("ロバスト", prefix), encoding="utf-8")
        files.append(path)
    procs = [_add(live, "--wait", "120", str(f)) for f in files]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err[-1500:] for _, err in outputs]
    waited = [json.loads(line.split("kg.documents: ", 1)[1])["waited_s"] for _, err in outputs
              for line in err.splitlines() if '"event": "build_lock"' in line]
    assert len(waited) == 2 and max(waited) > 0  # the second really queued behind the first
    manifest = json.loads((current_artifact_path(live) / "manifest.json").read_text(encoding="utf-8"))
    assert {"a.txt", "b.txt"} <= {d["name"] for d in manifest["documents"]}  # the later build has both


def test_an_add_while_a_build_holds_the_lock_fails_clearly_and_changes_nothing(live, tmp_path):
    path = tmp_path / "c.txt"
    path.write_text(NEW_GLOSSARY, encoding="utf-8")
    before = current_artifact_path(live)
    with build_lock(live):
        for wait in ("0", "0.5"):
            proc = _add(live, "--wait", wait, str(path))
            _, err = proc.communicate(timeout=120)
            assert proc.returncode == 1
            assert f"error: another build is running (pid {os.getpid()} since " in err and "nothing was changed" in err
            assert "Traceback" not in err
    assert current_artifact_path(live) == before and not (live.documents_dir / "c.txt").exists()
