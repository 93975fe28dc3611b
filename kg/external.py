"""External SKOS vocabularies (`kg load FILE`): stored beside the corpus, loaded into every artifact.

Each one gets its own named graph `{base}graph/vocab/{id}`, so SPARQL can tell it apart, while the
search index (built from every skos:Concept in the store) makes its concepts searchable like ours.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import pyoxigraph as ox

from kg.config import Settings
from kg.errors import InvalidRequest

FORMATS = {".ttl": ox.RdfFormat.TURTLE, ".nt": ox.RdfFormat.N_TRIPLES, ".rdf": ox.RdfFormat.RDF_XML,
           ".xml": ox.RdfFormat.RDF_XML, ".owl": ox.RdfFormat.RDF_XML, ".jsonld": ox.RdfFormat.JSON_LD}
VOCAB_ID = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")


def vocabularies_dir(settings: Settings) -> Path:
    return settings.data_dir / "vocabularies"


def rdf_format(path: Path) -> tuple[ox.RdfFormat, bool]:
    """(format, gzipped) from the file name: .ttl, .nt, .rdf/.xml/.owl, .jsonld, each optionally .gz."""
    suffixes = path.suffixes
    gz = bool(suffixes) and suffixes[-1] == ".gz"
    suffix = (suffixes[-2] if gz and len(suffixes) > 1 else path.suffix).lower()
    if suffix not in FORMATS:
        raise InvalidRequest(f"{path.name}: unknown RDF format {suffix!r} (use {', '.join(sorted(FORMATS))}, or .gz)")
    return FORMATS[suffix], gz


def open_rdf(path: Path):
    fmt, gz = rdf_format(path)
    return (gzip.open(path, "rb") if gz else open(path, "rb")), fmt  # the caller closes it


def check_vocabulary(path: Path) -> int:
    """Parse the file completely and count its SKOS concepts; raises InvalidRequest if it is not SKOS."""
    stream, fmt = open_rdf(path)
    concepts = 0
    skos_concept = ox.NamedNode("http://www.w3.org/2004/02/skos/core#Concept")
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    try:
        with stream:
            for triple in ox.parse(stream, format=fmt):
                if triple.predicate == rdf_type and triple.object == skos_concept:
                    concepts += 1
    except SyntaxError as exc:
        raise InvalidRequest(f"{path.name}: not valid RDF: {exc}") from None
    if not concepts:
        raise InvalidRequest(f"{path.name}: no skos:Concept in this file")
    return concepts


def store_vocabulary(settings: Settings, path: Path, vocab_id: str) -> Path:
    """Check and store a vocabulary file atomically under its id (replacing an earlier one)."""
    built = _built_ids(settings)
    if not VOCAB_ID.match(vocab_id) or vocab_id in built:
        raise InvalidRequest(f"vocabulary id {vocab_id!r} must be lower-case letters, digits, - or _ "
                             f"and differ from the built vocabularies' ({', '.join(built) or 'none yet'})")
    check_vocabulary(path)
    target_dir = vocabularies_dir(settings) / vocab_id
    target_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{vocab_id}-", dir=target_dir.parent))
    shutil.copyfile(path, staging / path.name)
    old = target_dir.with_name(f".old-{vocab_id}")
    if target_dir.exists():
        os.replace(target_dir, old)
    os.replace(staging, target_dir)
    shutil.rmtree(old, ignore_errors=True)
    return target_dir / path.name


def _built_ids(settings: Settings) -> list[str]:
    """Ids of the vocabularies built from glossaries in the served artifact (kg.vocabularies)."""
    try:
        manifest = json.loads((settings.current_artifact / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return [settings.vocab_id] if settings.vocab_id else []
    return [v["id"] for v in manifest.get("vocabs") or ()] or [manifest.get("vocab_id", "")]


def external_vocabularies(settings: Settings) -> list[tuple[str, Path]]:
    root = vocabularies_dir(settings)
    if not root.is_dir():
        return []
    out = []
    for directory in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        files = sorted(f for f in directory.iterdir() if f.is_file())
        if files:
            out.append((directory.name, files[0]))
    return out


def load_into(store_path: Path, settings: Settings, base_iri: str) -> list[dict]:
    """Bulk-load every stored vocabulary into its named graph of the store being built."""
    loaded: list[dict] = []
    vocabularies = external_vocabularies(settings)
    if not vocabularies:
        return loaded
    store = ox.Store(str(store_path))
    for vocab_id, path in vocabularies:
        graph = ox.NamedNode(f"{base_iri}graph/vocab/{vocab_id}")
        stream, fmt = open_rdf(path)
        with stream:
            store.bulk_load(stream, format=fmt, to_graph=graph)
        count = sum(1 for _ in store.quads_for_pattern(None, None, None, graph))
        loaded.append({"id": vocab_id, "file": path.name, "quads": count, "graph": graph.value})
    store.flush()
    del store
    return loaded
