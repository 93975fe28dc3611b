"""Which files a build reads: glossary files named or found in folders, and the documents added with `kg add`.

Both kg.build (what to ingest) and kg.documents (what to store and check) need these; they live here so
that neither of the two has to import the other.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from kg.config import Settings

GLOSSARY_SUFFIXES = (".txt", ".md", ".markdown", ".csv", ".tsv", ".html", ".htm", ".xhtml", ".xlsx", ".docx", ".rd",
                     ".text", ".json", ".yaml", ".yml", ".rst", ".adoc", ".asciidoc")


def glossary_paths(inputs: Sequence[str | os.PathLike]) -> list[Path]:
    """Files named directly, plus glossary files inside named directories, in a stable order."""
    paths: list[Path] = []
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            paths.extend(sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in GLOSSARY_SUFFIXES))
        else:
            paths.append(p)
    return paths


def stored_documents(settings: Settings) -> list[Path]:
    """Glossaries added with `kg add` or POST /rest/v1/documents (kept in settings.documents_dir)."""
    folder = settings.documents_dir
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")
                  and p.suffix.lower() in GLOSSARY_SUFFIXES)


def build_inputs(settings: Settings) -> list[Path]:
    """What every build ingests: corpus files not shadowed by a stored file of the same name, then stored files."""
    stored = stored_documents(settings)
    names = {p.name for p in stored}
    corpus = glossary_paths([settings.corpus_dir]) if settings.corpus_dir.is_dir() else []
    return [p for p in corpus if p.name not in names and not p.name.startswith(".")] + stored
