"""The kgo: namespace IRI is written once, in ontology/ (kgo.ttl and namespace.KGO); code uses KGO.

Typed again as a string elsewhere, a change of the namespace would leave those modules querying and
shortening with the old one, silently."""

from __future__ import annotations

from pathlib import Path

from ontology.namespace import KGO

ROOT = Path(__file__).resolve().parents[2]
CODE = ("ingest", "search", "kg", "tools")


def test_no_module_outside_ontology_spells_the_kgo_iri():
    iri = str(KGO)
    spelled = [f"{path.relative_to(ROOT)}:{n}"
               for folder in CODE for path in sorted((ROOT / folder).rglob("*"))
               if path.suffix in (".py", ".js", ".html", ".toml") and "__pycache__" not in path.parts
               for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if iri in line]
    assert spelled == [], f"{iri} typed as a string (use ontology.namespace.KGO): {', '.join(spelled)}"
