"""What a curator's decision does once it is accepted: logged, then published as a new artifact.

Separate from kg.curation (the decision log and how a log applies to a graph), which every build
uses: publishing needs the build and the build lock, and kg.build must not import what imports it.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kg.config import Settings
from kg.curation import (
    INGESTED,
    CurationReport,
    Decision,
    Editor,
    Unapplied,
    _base,
    append_decisions,
    apply_log,
    own_quads,
    parse_request,
    prepare_decision,
    read_log,
    working_copy,
)
from kg.errors import IndexNotReady, InvalidRequest

if TYPE_CHECKING:
    from kg.build import BuildResult


@dataclass
class CurationResult:
    decision: Decision
    artifact: str
    seconds: float
    unapplied: list[Unapplied]


def republish(settings: Settings, embedder=None, on_step=lambda _step: None):
    """A new artifact: the served one's ingested graph with the whole log applied, made current.

    Callers hold the build lock. Glossaries are not read again and the search calibration is kept: a
    decision changes names and relations, not the definitions the calibration was fitted on. Store,
    label table and index are all rebuilt from the curated graph in the new artifact, so suggest,
    lookup, pages, SPARQL and export agree from the moment it is published. An artifact from before
    curation existed (no ingested graph saved) is rebuilt the long way, with kg.build.build_artifact.
    """
    import shutil
    import time

    from kg.build import (
        MANIFEST_VERSION,
        build_artifact,
        concept_docs,
        current_artifact_path,
        prune,
        publish,
        read_artifact_manifest,
    )
    from kg.store import LABEL_TABLE, GraphStore, write_label_table, write_store
    from search.index import build_index

    current = current_artifact_path(settings)
    if current is None or not (current / INGESTED).is_file():
        return build_artifact(settings, embedder=embedder, on_step=on_step)
    if embedder is None:
        from search.embedder import load_embedder

        embedder = load_embedder(settings.embedding_model, query_prefix=settings.query_prefix,
                                 document_prefix=settings.document_prefix)
    started = time.perf_counter()
    previous = read_artifact_manifest(current)
    build_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]
    tmp = settings.artifacts_dir / f".tmp-{build_id}"
    try:
        tmp.mkdir(parents=True)
        on_step("store")
        shutil.copyfile(current / INGESTED, tmp / INGESTED)
        quads = write_store(tmp / "store", (tmp / INGESTED).read_bytes())
        external = [v["graph"] for v in previous.get("vocabularies", []) if v.get("graph")]
        if external:  # loaded vocabularies (kg load): copied as served, decisions never touch them
            served = ox.Store.read_only(str(current / "store"))
            store = ox.Store(str(tmp / "store"))
            for graph in external:
                store.bulk_extend(served.quads_for_pattern(None, None, None, ox.NamedNode(graph)))
            store.flush()
            quads = len(store)
            del store, served
        on_step("curation")
        report = apply_log(tmp / "store", settings, _base(settings, previous))
        on_step("index")
        write_label_table(tmp / "store", tmp / LABEL_TABLE)
        graph = GraphStore(tmp / "store")
        docs = concept_docs(graph)
        quads = graph.count_triples()
        del graph
        index_manifest = build_index(docs, embedder, tmp / "index")
        for kept in (current / "index").iterdir():  # what build_index does not make (the search calibration)
            if kept.is_file() and not (tmp / "index" / kept.name).exists():
                shutil.copyfile(kept, tmp / "index" / kept.name)
        if (current / "report.json").is_file():
            shutil.copyfile(current / "report.json", tmp / "report.json")
        manifest = {**previous, "version": MANIFEST_VERSION, "build_id": build_id,
                    "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "build_seconds": round(time.perf_counter() - started, 2),
                    "counts": {**previous.get("counts", {}), "concepts": len(docs), "quads": quads},
                    "index": index_manifest, "curations": report.summary(), "republished_from": current.name}
        if settings.store != "embedded":
            from kg.remote import replace_remote_dataset

            on_step("remote store")
            manifest["remote_store_quads"] = replace_remote_dataset(settings.store, own_quads(tmp / "store", external))
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        final = settings.artifacts_dir / build_id
        os.rename(tmp, final)
        publish(settings, final)
        prune(settings)
        on_step("done")
        return Republished(final, manifest, report)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


@dataclass
class Republished:
    """What republish made (the fields of kg.build.BuildResult that a curation needs)."""

    path: Path
    manifest: dict
    curations: CurationReport


def curate(settings: Settings, body, who: str, *, embedder=None, wait_s: float | None = 30.0) -> CurationResult:
    """Check, log (fsync) and publish one decision: when this returns, the served artifact shows it."""
    import time

    from kg.build import current_artifact_path, read_artifact_manifest
    from kg.documents import build_lock, log_event

    request = parse_request(body)
    started = time.perf_counter()
    with build_lock(settings, wait_s):
        path = current_artifact_path(settings)
        if path is None:
            raise IndexNotReady("no built artifact yet: run `python -m kg build`")
        manifest = read_artifact_manifest(path)
        external = [v.get("graph", "") for v in manifest.get("vocabularies", [])]
        served = ox.Store.read_only(str(path / "store"))
        try:
            ed = Editor(working_copy(served, external), _base(settings, manifest))
        finally:
            del served
        decision = prepare_decision(ed, request, who)
        append_decisions(settings, [decision])
        log_event("curation_logged", id=decision.id, action=decision.action, concept=decision.concept, who=who)
        result = republish(settings, embedder=embedder)
    unapplied = result.curations.unapplied if result.curations else []
    seconds = round(time.perf_counter() - started, 3)
    log_event("curation_published", id=decision.id, artifact=result.path.name, elapsed_s=seconds)
    return CurationResult(decision, result.path.name, seconds, unapplied)


def import_decisions(settings: Settings, records: Sequence[dict], *, embedder=None,
                     wait_s: float | None = 600.0) -> tuple[int, int, Republished | BuildResult | None]:
    """Append decisions from another installation (skipping ids already logged) and publish. Returns
    (added, skipped, build result or None when nothing was new)."""
    from kg.build import current_artifact_path
    from kg.documents import build_lock

    decisions = []
    for i, raw in enumerate(records, 1):
        try:
            decisions.append(Decision.from_dict(raw))
        except (ValueError, TypeError) as exc:
            raise InvalidRequest(f"record {i}: {exc}; nothing was imported") from exc
    with build_lock(settings, wait_s):
        known = {d.id for d in read_log(settings).decisions}
        new, seen = [], set(known)
        for d in decisions:
            if d.id not in seen:
                seen.add(d.id)
                new.append(d)
        append_decisions(settings, new)
        result = None
        if new and current_artifact_path(settings) is not None:
            result = republish(settings, embedder=embedder)
    return len(new), len(decisions) - len(new), result
