"""Every third-party development glossary (data/dev), built with `kg build` and exported as SKOS:
no preferred or alternative label carries a layout marker, markup, a tab or an unbalanced bracket."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph
from rdflib.namespace import SKOS

from kg.cli import main

DEV = Path(__file__).parents[2] / "data" / "dev"
MARKER = re.compile(r"[■□●○◆◇▼▽★☆※\t]|\*\*|__|`|^#|^\s*[-*+]\s|<[a-zA-Z/]|\{[%{]|^\d+[.)）]\s")
PAIRS = ("()", "（）", "「」", "『』", "[]", "【】")


def unbalanced(text: str) -> bool:
    return any(text.count(a) != text.count(b) for a, b in PAIRS)


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> tuple[Graph, str]:
    var = tmp_path_factory.mktemp("var")
    env = {"KG_DATA_DIR": str(var)}
    built = CliRunner().invoke(main, ["build", str(DEV)], env=env)
    assert built.exit_code == 0, built.output
    out = var / "dev.nt"
    exported = CliRunner().invoke(main, ["export", "--format", "nt", "-o", str(out)], env=env)
    assert exported.exit_code == 0, exported.output
    graph = Graph()
    graph.parse(out, format="nt")
    return graph, built.output


def test_every_dev_document_is_read(exported):
    _, output = exported
    names = sorted(p.name for p in DEV.iterdir() if p.is_file())
    assert len(names) >= 15
    assert not [n for n in names if f"read {n}:" not in output], output


def test_no_label_carries_markup_markers_tabs_or_unbalanced_brackets(exported):
    graph, _ = exported
    bad = [str(label) for p in (SKOS.prefLabel, SKOS.altLabel) for label in graph.objects(None, p)
           if MARKER.search(str(label)) or unbalanced(str(label))]
    assert bad == []
    assert len(set(graph.objects(None, SKOS.prefLabel))) > 500
