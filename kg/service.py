"""The running service: the current artifact's store, search and SPARQL runner, reloadable in place."""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kg.build import check_model, current_artifact_path, read_artifact_manifest
from kg.concepts import LabelLookup, describe_concept, replacement_of
from kg.config import Settings
from kg.errors import IndexNotReady
from kg.store import GraphStore
from kg.vocabularies import Served, vocabularies_of
from kg.vocabulary import serialize_graphs, vocabulary
from search.hybrid import Hit, Searcher
from search.index import load_index

if TYPE_CHECKING:  # imported where used: the worker pool and the remote client load on first query
    from kg.remote import RemoteRunner
    from kg.sparql_worker import QueryRunner

log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=512)
def prepare_cached(query: str):
    """Gate a query once: rdflib's parser costs milliseconds and clients repeat their queries.

    Errors are not cached (lru_cache does not store exceptions), so a refusal is re-checked each time.
    """
    from kg.sparql import prepare_query

    return prepare_query(query)


@dataclass
class LoadedArtifact:
    path: Path
    manifest: dict
    store: GraphStore
    searcher: Searcher
    labels: LabelLookup
    vocabularies: Served  # what it serves, by vocabulary id (kg.vocabularies)


class Service:
    """Library facade used by the web layer and the CLI; no Flask in here."""

    def __init__(self, settings: Settings, embedder=None):
        self.settings = settings
        self._embedder = embedder
        self._artifact: LoadedArtifact | None = None
        self._lock = threading.Lock()
        self._runner: QueryRunner | RemoteRunner | None = None

    @property
    def embedder(self):
        if self._embedder is None:
            from search.embedder import load_embedder

            self._embedder = load_embedder(self.settings.embedding_model, query_prefix=self.settings.query_prefix,
                                           document_prefix=self.settings.document_prefix)
        return self._embedder

    @functools.cached_property
    def english(self):
        """English -> Japanese through JMdict (None where `make model` has not compiled it)."""
        from search.english_lexicon import EnglishLexicon

        return EnglishLexicon.open()

    def load(self) -> LoadedArtifact:
        """Load the current artifact (or raise IndexNotReady) and make it the one served."""
        path = current_artifact_path(self.settings)
        if path is None:
            raise IndexNotReady("no built artifact yet: run `python -m kg build`")
        manifest = read_artifact_manifest(path)
        check_model(path, self.embedder.model_id)
        store = GraphStore(path / "store")
        index = load_index(path / "index")
        threshold = self.settings.search_threshold
        searcher = Searcher(index, self.embedder, threshold=threshold, english=self.english)  # None: calibrated
        served = vocabularies_of(manifest, store)
        artifact = LoadedArtifact(path, manifest, store, searcher, LabelLookup(store), served)
        vocabulary(store)  # the Skosmos views' label cache: built now, not by the first request
        with self._lock:
            self._artifact = artifact
            if self._runner is not None:
                self._runner.reopen(path / "store", self._query_base(artifact))
        log.info("serving artifact %s (%d concepts)", path.name, len(index))
        return artifact

    @property
    def artifact(self) -> LoadedArtifact:
        artifact = self._artifact
        if artifact is None:
            return self.load()
        return artifact

    @property
    def ready(self) -> bool:
        return self._artifact is not None

    def reload_if_changed(self) -> bool:
        """Switch to a newer artifact if `current` moved; cheap enough to call per request."""
        path = current_artifact_path(self.settings)
        if path is not None and (self._artifact is None or path != self._artifact.path):
            self.load()
            return True
        return False

    # --- operations -----------------------------------------------------------------
    def suggest(self, text: str, limit: int = 10, threshold: float | None = None,
                include_unconfident: bool = False, vocab: Sequence[str] = ()) -> list[Hit]:
        """Ranked hits; with vocab, only concepts of those vocabularies (ids; NotFound for an unknown one)."""
        artifact = self.artifact
        searcher = artifact.searcher
        if not vocab:
            return searcher.suggest(text, limit=limit, threshold=threshold, include_unconfident=include_unconfident)
        wanted = [artifact.vocabularies.get(v) for v in vocab]
        # The index ranks every vocabulary together: ask for more hits until enough are left after
        # filtering, or the ranking has nothing more to give.
        size = len(searcher.index)
        asked = limit
        while True:
            asked = min(max(asked * 4, 50), size)
            hits = searcher.suggest(text, limit=asked, threshold=threshold, include_unconfident=include_unconfident)
            kept = [h for h in hits if any(v.owns(h.uri) for v in wanted)]
            if len(kept) >= limit or len(hits) < asked or asked >= size:
                return kept[:limit]

    def complete(self, prefix: str, limit: int = 10) -> list[Hit]:
        return self.artifact.searcher.complete(prefix, limit)

    def lookup(self, label: str, lang: str | None = None) -> list[dict]:
        return self.artifact.labels.lookup(label, lang)

    def concept(self, uri: str) -> dict:
        return describe_concept(self.artifact.store, uri)

    def replacement(self, uri: str) -> str | None:
        """The live concept a retired concept IRI was merged into (kg.concepts.replacement_of)."""
        return replacement_of(self.artifact.store, uri)

    def export(self, fmt: str, vocab: str | None = None) -> bytes:
        """The whole dataset, or with vocab only that vocabulary's graphs."""
        artifact = self.artifact
        prefixes = artifact.manifest.get("prefixes")
        if vocab is None:
            return artifact.store.serialize(fmt, prefixes=prefixes)
        return serialize_graphs(artifact.store, fmt, artifact.vocabularies.get(vocab).graphs(artifact.store), prefixes)

    def _query_base(self, artifact: LoadedArtifact) -> str:
        """The base of relative IRIs in user queries: the served default vocabulary's (KG_BASE_IRI when it
        was built with one)."""
        return artifact.vocabularies.default.base_iri

    @property
    def runner(self):
        if self._runner is None:
            from kg.sparql_worker import QueryRunner

            store_path = self.artifact.path / "store" if self.settings.store == "embedded" else None
            base_iri = self._query_base(self.artifact) if store_path is not None else ""
            with self._lock:  # load() takes this lock too: the artifact is resolved before it
                if self._runner is None:
                    s = self.settings
                    if s.store != "embedded" or store_path is None:  # KG_STORE names a remote store: kg.remote
                        from kg.remote import RemoteRunner

                        self._runner = RemoteRunner.from_settings(s)
                        return self._runner
                    self._runner = QueryRunner(store_path, workers=s.sparql_workers,
                                               timeout_s=s.sparql_timeout_s, memory_mb=s.sparql_memory_mb,
                                               max_rows=s.sparql_max_rows, base_iri=base_iri)
        return self._runner

    def sparql(self, prepared, *, media_type: str, timeout_s: float | None = None,
               default_graph_uris=(), named_graph_uris=()):
        """Run a query already through kg.sparql.prepare_query in the sandboxed worker pool."""
        return self.runner.run(prepared, media_type=media_type, timeout_s=timeout_s,
                               default_graph_uris=default_graph_uris, named_graph_uris=named_graph_uris)

    def close(self) -> None:
        if self._runner is not None:
            self._runner.close()
            self._runner = None
