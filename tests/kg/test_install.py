"""`pip install .` gives a working `jaterm` that finds its data and model by configuration, not by the
working directory.

The package is built from a copy of its source folders (so a file the wheel forgets to declare is
missing here too, and stale in-tree build output cannot hide it) into a venv of its own. The venv
reuses the pinned stack of the project's virtualenv through one path line instead of downloading it
again: what is checked is our package, its console script and its package data, not pip's resolver.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from kg.config import DEFAULT_MODEL, PROJECT_ROOT

pytestmark = pytest.mark.slow

PACKAGES = ("ontology", "ingest", "search", "kg")
GLOSSARY = """# IT用語集

## API
アプリケーション同士が機能やデータをやり取りするための取り決め。

## キャッシュ
一度読み込んだデータを手元に保存し、次回以降の読み込みを速くする仕組み。

## レイテンシ
要求を送ってから応答が返るまでの遅延時間。
"""


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh venv with the package pip-installed from a clean copy of the sources; returns its bin/."""
    if not (DEFAULT_MODEL / "model.safetensors").exists():
        pytest.fail("the embedding model is not built: run `make model` (make test does it)")
    root = tmp_path_factory.mktemp("install")
    source = root / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(PROJECT_ROOT / name, source / name)
    for package in PACKAGES:
        shutil.copytree(PROJECT_ROOT / package, source / package,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    # The project's pinned stack, as a plain path line: the editable-install hooks in that folder are not run,
    # so `kg` can only come from what pip installs below.
    target_site = Path(sysconfig.get_path("purelib", vars={"base": str(venv), "platbase": str(venv)}))
    (target_site / "project-stack.pth").write_text("\n".join(site.getsitepackages()) + "\n", encoding="utf-8")
    python = venv / "bin" / "python"
    done = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
                           "--no-build-isolation", "--no-index", "--quiet", str(source)],
                          capture_output=True, text=True, timeout=600, cwd=root)
    assert done.returncode == 0, done.stdout + done.stderr
    return venv / "bin"


def run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KG_") and k != "PYTHONPATH"}
    return subprocess.run(args, cwd=cwd, env={**clean, "HF_HUB_OFFLINE": "1", **env}, capture_output=True,
                          text=True, timeout=600)


def test_the_installed_package_is_the_copy_not_the_checkout(installed, tmp_path):
    done = run([str(installed / "python"), "-c", "import kg, ontology.namespace as n, kg.web as w; "
                "from pathlib import Path; print(kg.__file__); print(n.ONTOLOGY_PATH.is_file()); "
                "print((Path(w.__file__).parent / 'templates' / 'concept.html').is_file())"], tmp_path)
    assert done.returncode == 0, done.stderr
    location, has_ontology, has_templates = done.stdout.split()
    assert Path(location).is_relative_to(installed.parent), location
    assert has_ontology == "True" and has_templates == "True"


def test_jaterm_help_and_build_outside_the_checkout(installed, tmp_path):
    work = tmp_path / "elsewhere"
    work.mkdir()
    glossary = work / "it.md"
    glossary.write_text(GLOSSARY, encoding="utf-8")
    home = tmp_path / "home"

    helped = run([str(installed / "jaterm"), "--help"], work)
    assert helped.returncode == 0, helped.stderr
    assert "build" in helped.stdout and "serve" in helped.stdout

    built = run([str(installed / "jaterm"), "build", "it.md"], work, KG_HOME=str(home),
                KG_EMBEDDING_MODEL=str(DEFAULT_MODEL))
    assert built.returncode == 0, built.stderr
    assert "built " in built.stdout and "1 documents" in built.stdout
    assert (home / "var" / "artifacts" / "current" / "manifest.json").is_file()
    assert not (work / "var").exists()  # nothing written into the working directory

    found = run([str(installed / "jaterm"), "search", "キャッシュ", "--json"], work, KG_HOME=str(home),
                KG_EMBEDDING_MODEL=str(DEFAULT_MODEL))
    assert found.returncode == 0, found.stderr
    assert "キャッシュ" in found.stdout


def test_a_missing_model_is_one_clear_line(installed, tmp_path):
    glossary = tmp_path / "it.md"
    glossary.write_text(GLOSSARY, encoding="utf-8")
    done = run([str(installed / "jaterm"), "build", str(glossary)], tmp_path, KG_HOME=str(tmp_path / "home"))
    assert done.returncode == 1
    assert done.stderr.startswith("error: ") and "Traceback" not in done.stderr
