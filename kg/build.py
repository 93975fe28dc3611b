"""Build one artifact (graph store + search index + manifest) beside the live one, then swap it in.

The artifact is written into a temporary directory in the same folder and published by renaming
it and atomically replacing the `current` symlink, so readers see the old artifact or the new one,
never a half-written graph or an index that disagrees with it. A failed build leaves `current` as it was.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from functools import partial
from itertools import chain
from pathlib import Path

from ingest.forked import start_in_child
from ingest.pipeline import IngestReport, ingest_paths
from ingest.profile import named_profile, use_profile
from ingest.rdf import PREFIXES, IRIs, write_nquads
from ingest.tokenize import remembered_tokens, tokenize
from kg.config import Settings
from kg.curation import INGESTED, CurationReport, apply_log, own_quads
from kg.errors import BuildError, IndexNotReady
from kg.inputs import build_inputs, glossary_paths, stored_documents
from kg.store import LABEL_TABLE, GraphStore, release_free_memory, write_label_table, write_store
from kg.vocabularies import VocabularyConfig, VocabularyInfo, configured, from_documents, titled, titles_of
from search.fit_confidence import calibrate_index
from search.index import (
    CONCEPT_FIELDS_QUERY,
    CONCEPT_ROWS_QUERY,
    SKOS,
    concept_docs_from_rows,
    expected_texts,
    read_manifest,
    write_index,
)

log = logging.getLogger(__name__)

MANIFEST_VERSION = 1


@dataclass
class BuildResult:
    path: Path
    manifest: dict
    report: IngestReport
    curations: CurationReport | None = None  # what became of each logged curator decision (kg.curation)


def definition_similarity(embedder):
    """Cosine similarity of definitions under the embedding model (for headword recovery)."""

    import numpy as np

    # Recovery asks about the same definitions and candidate words many times over (lexicon, corpus
    # words, gojūon windows): each text is encoded once per build, and unseen texts in one batch.
    cache: dict[str, np.ndarray] = {}

    def vectors(texts) -> np.ndarray:
        texts = list(texts)
        missing = list(dict.fromkeys(t for t in texts if t not in cache))
        if missing:
            cache.update(zip(missing, np.asarray(embedder.encode_documents(missing)), strict=True))
        return np.stack([cache[t] for t in texts]) if texts else np.zeros((0, 0))

    def similarity(queries, documents):
        queries, documents = list(queries), list(documents)
        if not queries or not documents:
            return np.zeros((len(queries), len(documents)))
        return vectors(queries) @ vectors(documents).T

    return similarity


def concept_docs(store: GraphStore, label_rows: Callable[[], Iterable[tuple[str, str, str, str, str]]] | None = None):
    """What the index needs of every concept.

    label_rows: gives the label table's rows (kg.store.label_rows_of), read elsewhere meanwhile; the
    other properties are read first.
    """
    if label_rows is None:
        rows = store.rows(CONCEPT_ROWS_QUERY)
        return concept_docs_from_rows((c.value, p.value, o.value, getattr(o, "language", None)) for c, p, o in rows)
    others = [(c.value, p.value, o.value, getattr(o, "language", None)) for c, p, o in store.rows(CONCEPT_FIELDS_QUERY)]
    labels = ((c, SKOS + p, value, lang or None) for c, p, value, lang, _key in label_rows())
    return concept_docs_from_rows(chain(labels, others))


def build_artifact(settings: Settings, inputs: Sequence[str | os.PathLike] | None = None, *, embedder=None,
                   progress: Callable[[Iterable, str], Iterable] = lambda it, _desc: it,
                   on_step: Callable[[str], None] = lambda _step: None) -> BuildResult:
    """Ingest inputs (default: the corpus directory) into a new artifact and make it current."""
    started = time.perf_counter()
    plan = build_plan(settings, inputs)
    settings.artifacts_dir.mkdir(parents=True, exist_ok=True)
    build_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]
    tmp = settings.artifacts_dir / f".tmp-{build_id}"
    memory = ExitStack()
    try:
        if embedder is None:
            from search.embedder import load_embedder

            embedder = load_embedder(settings.embedding_model, query_prefix=settings.query_prefix,
                                     document_prefix=settings.document_prefix)
        # Each vocabulary is ingested on its own: concepts never merge across vocabularies.
        texts: list[str] = []  # what the index will tokenize (search.index.expected_texts), not tokenized yet
        report = IngestReport()
        built: list[tuple[VocabularyConfig, list[str]]] = []
        profiles: dict[str, dict[str, str]] = {}  # vocabulary id -> the extraction profile it was read with
        tmp.mkdir(parents=True)
        ingested = tmp / INGESTED  # the graph before curation: a curation republishes from it
        ingested.write_bytes(b"")
        # The index asks for tokens of every label and definition (a third of a 50k-entry build's time):
        # they are tokenized while the graph is written and loaded, and kept until the build ends.
        memory.enter_context(remembered_tokens())
        for config, paths in plan:
            on_step("ingest" if len(plan) == 1 else f"ingest {config.id}")
            with use_profile(named_profile(config.profile) if config.profile else None) as profile:
                concepts, part = ingest_paths(paths, progress=lambda docs: progress(docs, "ingest"),
                                              similarity=definition_similarity(embedder))
            profiles[config.id] = profile.manifest()
            if not part.documents:
                raise BuildError(f"vocabulary {config.id}: no document could be ingested: "
                                 + "; ".join(part.errors))
            _merge_report(report, part)
            on_step("graph" if len(plan) == 1 else f"graph {config.id}")
            # A forked child writes the graph while this process tokenizes.
            written = start_in_child(partial(
                append_graph, ingested, concepts, part.documents, config,
                document_titles={**titles_of(paths), **config.document_titles},
                previous_iris=previous_concept_iris(settings, config.base_iri)))
            texts += expected_texts(concepts)
            del concepts  # not needed past this point: free them before the store, index and calibration
            texts = tokenize_until(written.done, texts)
            written.result()
            del written  # it holds the concepts
            gc.collect()
            built.append((config, [d.name for d in part.documents]))
        nquads: bytes | None = None  # read back only for a remote store
        # pyoxigraph loads the store on its own threads (without the GIL); meanwhile this thread goes on tokenizing.
        with ThreadPoolExecutor(max_workers=1) as loader:
            loading = loader.submit(write_store, tmp / "store", ingested)
            tokenize_until(lambda: False, texts)
            del texts
            quads = loading.result()
        release_free_memory()
        from kg.external import load_into

        default_base = IRIs(plan[0][0].base_iri).base
        vocabularies = load_into(tmp / "store", settings, default_base)
        quads += sum(v["quads"] for v in vocabularies)
        on_step("curation")  # curator decisions are data: every build re-applies the whole log
        curations = apply_log(tmp / "store", settings, default_base)
        if settings.store != "embedded":  # what the remote store gets
            nquads = (own_quads(tmp / "store", [v["graph"] for v in vocabularies]) if curations.applied
                      else ingested.read_bytes())
        on_step("index")
        # The label table (read by every worker at start) is written here, not in a forked child: a
        # child that opens RocksDB can hang for ever on a RocksDB mutex that one of this process's
        # RocksDB threads (there are some once any store was open) held at the fork. Forked children
        # never touch a store.
        rows = write_label_table(tmp / "store", tmp / LABEL_TABLE)
        store = GraphStore(tmp / "store")
        docs = concept_docs(store, lambda: rows)
        index_manifest, index = write_index(docs, embedder, tmp / "index", progress=lambda it: progress(it, "embed"))
        memory.close()  # the remembered tokens: calibration asks about other texts
        del store
        on_step("calibrate")
        # The no-answer model is fitted on this artifact's own definitions (search.fit_confidence).
        calibration = calibrate_index(tmp / "index", embedder, index)
        del index
        vocabs = [VocabularyInfo(id=c.id, title=c.title, base_iri=IRIs(c.base_iri).base, description=c.description,
                                 languages=c.languages, documents=tuple(names),
                                 concepts=sum(1 for d in docs if d.uri.startswith(IRIs(c.base_iri).base)))
                  for c, names in built]
        manifest = {
            "version": MANIFEST_VERSION,
            "build_id": build_id,
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "build_seconds": round(time.perf_counter() - started, 2),
            "base_iri": vocabs[0].base_iri,  # the default vocabulary's (the first)
            "vocab_id": vocabs[0].id,
            "vocabs": [v.to_json() for v in vocabs],  # built vocabularies; "vocabularies" are `kg load`ed ones
            "documents": [{"name": d.name, "sha256": d.sha256, "encoding": d.encoding, "layout": d.layout,
                           "entries": d.entries, "reader": d.reader, "reader_score": d.reader_score,
                           "runner_up": d.runner_up} for d in report.documents],
            "profiles": profiles,
            "errors": report.errors,
            "vocabularies": vocabularies,
            "counts": {"concepts": len(docs), "quads": quads, "documents": len(report.documents),
                       "relations": report.relations},
            "index": index_manifest,
            "search": {"confidence": calibration.as_dict()},
            "prefixes": {k: str(v) for k, v in PREFIXES.items()},
            "curations": curations.summary(),
        }
        if settings.store != "embedded":  # remote SPARQL store: replace its dataset before publishing (kg.remote)
            from kg.remote import replace_remote_dataset

            on_step("remote store")
            manifest["remote_store_quads"] = replace_remote_dataset(settings.store, nquads or b"")
        (tmp / "report.json").write_text(json.dumps(asdict(report), ensure_ascii=False, indent=2), encoding="utf-8")
        # The manifest is written last: an artifact without one is never loaded.
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        final = settings.artifacts_dir / build_id
        os.rename(tmp, final)
        publish(settings, final)
        prune(settings)
        on_step("done")
        return BuildResult(final, manifest, report, curations)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        memory.close()


def append_graph(path: Path, concepts, documents, config: VocabularyConfig, *, document_titles: dict[str, str],
                 previous_iris: dict[str, str]) -> int:
    """Append one vocabulary's graph to the N-Quads file at path; returns the quads written.

    Streamed to the file: an in-memory graph of a 50k-entry glossary held GBs.
    """
    with path.open("ab") as out:
        return write_nquads(out, concepts, documents, base=config.base_iri, title=config.title,
                            description=config.description, languages=config.languages,
                            document_titles=document_titles, previous_iris=previous_iris)


def tokenize_until(stop: Callable[[], bool], texts: list[str], every: int = 64) -> list[str]:
    """Tokenize texts (into the remembered tokens) until stop() says so; returns those left."""
    for start in range(0, len(texts), every):
        if stop():
            return texts[start:]
        for text in texts[start : start + every]:
            tokenize(text)
    return []


def build_plan(settings: Settings, inputs: Sequence[str | os.PathLike] | None
               ) -> list[tuple[VocabularyConfig, list[Path]]]:
    """Which files make which vocabulary (kg.vocabularies): the configured vocabularies, or one vocabulary
    named by its documents. Documents added with `kg add` belong to the default (first) vocabulary."""
    found = configured(settings, inputs)
    if found is None:
        named_by = list(inputs) if inputs else [settings.corpus_dir]
        if not inputs:
            inputs = build_inputs(settings)  # the corpus plus documents added with `kg add`
        paths = glossary_paths(inputs)
        if not paths:
            raise BuildError(f"no glossary files found in {', '.join(str(i) for i in inputs)}")
        return [(from_documents(named_by, paths, settings), paths)]
    configs, extra = found
    plan = []
    for i, config in enumerate(configs):
        paths = glossary_paths(config.sources)
        if i == 0:
            # Stored documents, or further PATHS after a configured folder; one replaces a source of the same name.
            added = glossary_paths(extra) if inputs else stored_documents(settings)
            names = {p.name for p in added}
            paths = [p for p in paths if p.name not in names] + added
        if not paths:
            raise BuildError(f"vocabulary {config.id}: no glossary files in {', '.join(map(str, config.sources))}")
        plan.append((titled(config, paths), paths))
    return plan


def _merge_report(total: IngestReport, part: IngestReport) -> None:
    total.documents.extend(part.documents)
    total.errors.extend(part.errors)
    total.conflicts.extend(part.conflicts)
    total.ambiguous_labels.update(part.ambiguous_labels)
    total.undefined_targets.extend(part.undefined_targets)
    total.concepts += part.concepts
    total.relations += part.relations


def previous_concept_iris(settings: Settings, base_iri: str) -> dict[str, str]:
    """Normalised preferred label -> concept IRI of one vocabulary (by its base IRI) in the artifact being
    served (empty for a first build)."""
    from ingest.rdf import definition_key
    from ingest.terms import label_key

    path = current_artifact_path(settings)
    if path is None or not (path / "index" / "docs.jsonl").exists():
        return {}
    out: dict[str, str] = {}
    with (path / "index" / "docs.jsonl").open(encoding="utf-8") as f:
        for line in f:
            doc = json.loads(line)
            if doc["uri"].startswith(base_iri):  # only this vocabulary's concepts, not others nor loaded ones
                for label in doc["pref_labels"].values():
                    out.setdefault(label_key(label), doc["uri"])
                for definition in doc["definitions"]:
                    out.setdefault(definition_key(definition), doc["uri"])
    return out


def publish(settings: Settings, artifact: Path) -> None:
    """Point `current` at artifact with one atomic rename of a fresh symlink."""
    link = settings.current_artifact
    tmp_link = link.with_name(f".current-{uuid.uuid4().hex[:8]}")
    os.symlink(artifact.name, tmp_link)
    os.replace(tmp_link, link)


def prune(settings: Settings) -> None:
    """Keep the newest `keep_artifacts` artifacts (and always the current one); drop stale temp dirs."""
    current = current_artifact_path(settings)
    built = sorted((p for p in settings.artifacts_dir.iterdir() if p.is_dir() and not p.is_symlink()
                    and not p.name.startswith(".")), key=lambda p: p.name)
    for old in built[: -settings.keep_artifacts]:
        if current is None or old.resolve() != current.resolve():
            shutil.rmtree(old, ignore_errors=True)
    for stale in settings.artifacts_dir.glob(".tmp-*"):
        if time.time() - stale.stat().st_mtime > 3600:
            shutil.rmtree(stale, ignore_errors=True)


def current_artifact_path(settings: Settings) -> Path | None:
    link = settings.current_artifact
    if not link.exists():
        return None
    path = link.resolve()
    return path if (path / "manifest.json").exists() else None


def read_artifact_manifest(path: Path) -> dict:
    try:
        return json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexNotReady(f"artifact {path.name} has no readable manifest: {exc}") from exc


def check_model(path: Path, model_id: str) -> None:
    """Refuse an index built with another embedding model than the one configured."""
    built_with = read_manifest(path / "index")["model_id"]
    if built_with != model_id:
        raise IndexNotReady(
            f"the index was built with embedding model {built_with!r} but {model_id!r} is configured; "
            "run `python -m kg build` to rebuild it"
        )
