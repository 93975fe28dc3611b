"""`kg bench-sparql`: typical SKOS queries through our /sparql endpoint next to raw pyoxigraph, at 10k-500k+ triples.

Each dataset is loaded into a throw-away artifact (a graph store only, no search index), served by the
real Flask app (gate, worker pool, serialiser) on 127.0.0.1, and measured in the same run as raw
pyoxigraph on the same store directory. Datasets: synthetic SKOS (kg.bench_sparql.synthetic_skos) and
the real vocabularies under ../shared/scale when that folder exists (read in place, never copied).
Target: endpoint p50 <= 2 x raw p50 + 5 ms, and >= 20x faster than rdflib's engine on label search at 100k.
"""

from __future__ import annotations

import gzip
import http.client
import json
import math
import random
import shutil
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.build import current_artifact_path, publish, read_artifact_manifest
from kg.config import PROJECT_ROOT, Settings
from kg.errors import IndexNotReady
from kg.service import LoadedArtifact, Service
from kg.store import GraphStore, serialized, solutions_of
from kg.vocabularies import vocabularies_of

SCALE_DIR = PROJECT_ROOT.parent / "shared" / "scale"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
SYNTH = "https://bench.example.org/synthetic/"
_KATAKANA = ("アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン"
             "ガギグゲゴザジズゼゾダデドバビブベボパピプペポ")
_KANJI = ("情報処理管理分析設計開発運用品質顧客通信制御記録計画評価標準"
          "資産契約請求在庫物流販売営業会計監査人事教育研究安全保守障害応答")
_JA_HEADS = ("データ", "ネットワーク", "モデル", "情報", "処理", "システム")
_EN = ("network", "cache", "queue", "data", "model", "service", "centre", "call", "system", "process", "quality",
       "customer", "record", "plan", "audit", "asset", "contract", "stock", "sales", "support", "security")


class StoreOnlyService(Service):
    """A Service over an artifact with a graph store and no search index: enough for /sparql."""

    def load(self) -> LoadedArtifact:
        path = current_artifact_path(self.settings)
        if path is None:
            raise IndexNotReady(f"no artifact under {self.settings.artifacts_dir}")
        manifest, store = read_artifact_manifest(path), GraphStore(path / "store")
        # No search index and no label lookup: /sparql needs neither.
        artifact = LoadedArtifact(path, manifest, store, None, None,  # type: ignore[arg-type]
                                  vocabularies_of(manifest, store))
        with self._lock:
            self._artifact = artifact
            if self._runner is not None:
                self._runner.reopen(path / "store")
        return artifact


def store_artifact(data_dir: Path, load: Callable[[ox.Store], None], name: str = "bench") -> Settings:
    """Write a store-only artifact under data_dir, make it current, and return Settings pointing there."""
    settings = Settings(data_dir=Path(data_dir))
    settings.artifacts_dir.mkdir(parents=True, exist_ok=True)
    final = settings.artifacts_dir / name
    final.mkdir()
    store = ox.Store(str(final / "store"))
    load(store)
    store.flush()
    store.optimize()
    quads = len(store)
    del store
    manifest = {"version": 1, "build_id": name, "counts": {"quads": quads}, "prefixes": {"skos": SKOS}}
    (final / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    publish(settings, final)
    if hasattr(settings, "rate_limits"):  # benchmarks and tests measure the endpoint, not the throttle
        settings = settings.with_(rate_limits="off")
    return settings


def synthetic_skos(concepts: int, *, seed: int = 7) -> bytes:
    """N-Quads of a synthetic SKOS vocabulary, about 10 triples per concept (tree of fan-out 8, labels ja/en)."""
    rng = random.Random(seed)
    graph, scheme = ox.NamedNode(SYNTH + "graph"), ox.NamedNode(SYNTH + "scheme")
    p = {n: ox.NamedNode(SKOS + n) for n in ("prefLabel", "altLabel", "definition", "notation", "broader",
                                              "related", "inScheme", "topConceptOf")}
    concept_class = ox.NamedNode(SKOS + "Concept")

    def ja() -> str:
        if rng.random() < 0.15:
            return rng.choice(_JA_HEADS) + "".join(rng.choices(_KANJI, k=rng.randint(1, 3)))
        if rng.random() < 0.5:
            return "".join(rng.choices(_KATAKANA, k=rng.randint(3, 6)))
        return "".join(rng.choices(_KANJI, k=rng.randint(2, 4)))

    def en() -> str:
        return " ".join(rng.choices(_EN, k=rng.randint(1, 3)))

    quads = [ox.Quad(scheme, RDF_TYPE, ox.NamedNode(SKOS + "ConceptScheme"), graph)]
    for i in range(concepts):
        c = ox.NamedNode(f"{SYNTH}c{i:07d}")
        add: list[tuple[ox.NamedNode, ox.NamedNode | ox.Literal]] = [
            (RDF_TYPE, concept_class), (p["inScheme"], scheme), (p["prefLabel"], ox.Literal(ja(), language="ja")),
               (p["prefLabel"], ox.Literal(en(), language="en")), (p["notation"], ox.Literal(f"S-{i:07d}"))]
        add += [(p["altLabel"], ox.Literal(ja(), language="ja")) for _ in range(rng.randint(0, 2))]
        if rng.random() < 0.5:
            add.append((p["altLabel"], ox.Literal(en(), language="en")))
        if rng.random() < 0.9:
            add.append((p["definition"], ox.Literal(ja() + "に関する" + ja() + "のこと。", language="ja")))
        if rng.random() < 0.7:
            add.append((p["definition"], ox.Literal(f"The {en()} of {en()}.", language="en")))
        if i == 0:
            add.append((p["topConceptOf"], scheme))
        else:
            add.append((p["broader"], ox.NamedNode(f"{SYNTH}c{(i - 1) // 8:07d}")))
        add += [(p["related"], ox.NamedNode(f"{SYNTH}c{rng.randrange(concepts):07d}"))
                for _ in range(rng.randint(0, 2))]
        quads += [ox.Quad(c, pred, obj, graph) for pred, obj in add]
    return serialized(ox.serialize(quads, format=ox.RdfFormat.N_QUADS))


@dataclass(frozen=True)
class Dataset:
    name: str
    load: Callable[[ox.Store], None] | None  # None: the file is absent here
    note: str = ""


def datasets(scale_dir: Path = SCALE_DIR) -> list[Dataset]:
    """Synthetic SKOS at 10k/100k/500k triples, then the real vocabularies of ../shared/scale where present."""
    def synthetic(concepts: int) -> Callable[[ox.Store], None]:
        return lambda store: store.bulk_load(synthetic_skos(concepts), ox.RdfFormat.N_QUADS)

    out = [Dataset(f"synthetic {n // 1000}k", synthetic(n // 10)) for n in (10_000, 100_000, 500_000)]
    real = [("COAR resource types", "coar/coar_resource_types_2019-05-02.ttl", ox.RdfFormat.TURTLE),
            ("STW 8.10", "stw/stw-8.10.rdf", ox.RdfFormat.RDF_XML),
            ("Iconclass (derived)", "derived/iconclass_skos_derived.nt.gz", ox.RdfFormat.N_TRIPLES)]
    for name, rel, fmt in real:
        path = scale_dir / rel
        if not path.exists():
            out.append(Dataset(name, None, f"skipped: {path} not found"))
            continue
        graph = ox.NamedNode("urn:kg:bench:" + rel.split("/")[0])

        def load(store: ox.Store, path=path, fmt=fmt, graph=graph) -> None:
            if path.suffix == ".gz":
                with gzip.open(path, "rb") as fh:
                    store.bulk_load(fh, fmt, to_graph=graph)
            else:
                store.bulk_load(path=path, format=fmt, to_graph=graph)

        out.append(Dataset(name, load))
    return out


def typical_queries(store: ox.Store) -> dict[str, str]:
    """Label search, concept with relations, transitive broader and counts, with terms picked from the data."""
    pre = f"PREFIX skos: <{SKOS}>\n"

    def first(q: str) -> ox.QuerySolution | None:
        return next(iter(solutions_of(store.query(pre + q, use_default_graph_as_union=True))), None)

    row = (first("SELECT ?c WHERE { ?c skos:broader/skos:broader/skos:broader ?x } LIMIT 1")
           or first("SELECT ?c WHERE { ?c skos:broader ?x } LIMIT 1")
           or first("SELECT ?c WHERE { ?c a skos:Concept } LIMIT 1"))
    concept = row["c"].value if row else "urn:none"
    return {
        "label search": pre + "SELECT ?c ?l WHERE { ?c skos:prefLabel|skos:altLabel ?l "
                              f"FILTER(CONTAINS(LCASE(STR(?l)), {json.dumps(_search_term(store, pre))})) }}",
        "concept with relations": pre + f"SELECT ?p ?o ?label WHERE {{ <{concept}> ?p ?o "
                                        "OPTIONAL { ?o skos:prefLabel ?label } }",
        "transitive broader": pre + f"SELECT ?a ?label WHERE {{ <{concept}> skos:broader+ ?a "
                                    "OPTIONAL { ?a skos:prefLabel ?label } }",
        "count concepts": pre + "SELECT (COUNT(?c) AS ?n) WHERE { ?c a skos:Concept }",
        "count per predicate": "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p",
    }


def _search_term(store: ox.Store, pre: str) -> str:
    """A label substring with roughly 20-2000 hits (Japanese if the vocabulary has it), like a user's search."""
    labels = [r["l"] for r in solutions_of(store.query(pre + "SELECT ?l WHERE { ?c skos:prefLabel ?l } LIMIT 400",
                                                       use_default_graph_as_union=True))]
    ja = [lab.value for lab in labels if (lab.language or "").startswith("ja")]
    words = [w for lab in (ja or [lab.value for lab in labels]) for w in ([lab[:2]] if ja else lab.lower().split())]
    candidates = [w for w in dict.fromkeys(words) if len(w) >= 2 and '"' not in w and "\\" not in w]
    best = candidates[0] if candidates else "a"
    for word in candidates[:12]:
        q = pre + ("SELECT (COUNT(*) AS ?n) WHERE { ?c skos:prefLabel|skos:altLabel ?l "
                   f"FILTER(CONTAINS(LCASE(STR(?l)), {json.dumps(word)})) }}")
        hits = int(next(iter(solutions_of(store.query(q, use_default_graph_as_union=True))))["n"].value)
        if 20 <= hits <= 2000:
            return word
    return best


def measure(*fns: Callable[[], object], n: int, budget_s: float) -> list[dict[str, float]]:
    """Median and p99 in ms of up to n calls of each fn after a warm-up, stopping early past budget_s (at
    least 5 each). The fns take turns, so a busy machine slows all of them alike."""
    for fn in fns:
        fn()
    samples: list[list[float]] = [[] for _ in fns]
    stop = time.perf_counter() + budget_s * len(fns)
    while len(samples[0]) < n and (len(samples[0]) < 5 or time.perf_counter() < stop):
        for fn, out in zip(fns, samples, strict=True):
            start = time.perf_counter()
            fn()
            out.append((time.perf_counter() - start) * 1000)
    return [_stats(sorted(s)) for s in samples]


def _stats(samples: list[float]) -> dict[str, float]:
    mid = len(samples) // 2
    p50 = samples[mid] if len(samples) % 2 else (samples[mid - 1] + samples[mid]) / 2
    return {"p50_ms": round(p50, 3), "p99_ms": round(samples[math.ceil(0.99 * len(samples)) - 1], 3),
            "n": len(samples)}


class _Client:
    """One keep-alive HTTP/1.1 connection to our endpoint, as a pooled client would hold it."""

    def __init__(self, base: str):
        parts = urllib.parse.urlsplit(base)
        self.conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=60)

    def get(self, query: str) -> bytes:
        self.conn.request("GET", "/sparql?query=" + urllib.parse.quote(query),
                          headers={"Accept": "application/sparql-results+json"})
        response = self.conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"/sparql answered {response.status}: {body[:200]!r}")
        return body


def bench_dataset(ds: Dataset, n: int, budget_s: float, rdflib_label_search: bool = False) -> dict:
    """Load one dataset into a temporary artifact and measure every typical query both ways."""
    if ds.load is None:
        raise ValueError(f"{ds.name}: {ds.note}")
    from kg.bench import _serve
    from kg.web import create_app

    tmp = Path(tempfile.mkdtemp(prefix="kg-bench-sparql-"))
    service = server = None
    try:
        started = time.perf_counter()
        settings = store_artifact(tmp / "var", ds.load)
        load_s = time.perf_counter() - started
        settings = settings.with_(sparql_timeout_s=60.0, sparql_workers=2)
        service = StoreOnlyService(settings)
        service.load()
        raw = ox.Store.read_only(str(service.artifact.path / "store"))
        out: dict = {"dataset": ds.name, "triples": len(raw), "load_s": round(load_s, 2), "queries": {}}
        server, base = _serve(create_app(settings, service=service))
        client = _Client(base)
        for name, query in typical_queries(raw).items():
            def run_raw(q: str = query) -> list:
                return list(solutions_of(raw.query(q, use_default_graph_as_union=True)))

            def run_http(q: str = query) -> bytes:
                return client.get(q)

            rows = len(run_raw())
            raw_ms, http_ms = measure(run_raw, run_http, n=n, budget_s=budget_s)
            out["queries"][name] = {"rows": rows, "raw": raw_ms, "http": http_ms}
        if rdflib_label_search:
            out["rdflib label search"] = _rdflib_label_search(raw, typical_queries(raw)["label search"], budget_s)
        client.conn.close()
        return out
    finally:
        if server is not None:
            server.shutdown()
            server.server_close()
        if service is not None:
            service.close()
        shutil.rmtree(tmp, ignore_errors=True)


def _rdflib_label_search(raw: ox.Store, query: str, budget_s: float) -> dict[str, float]:
    """The same label search in rdflib's own engine over an in-memory Graph of the same triples."""
    from rdflib import Graph

    graph = Graph()
    graph.parse(data=ox.serialize([q.triple for q in raw], format=ox.RdfFormat.N_TRIPLES), format="nt")
    return measure(lambda: list(graph.query(query)), n=5, budget_s=budget_s)[0]


def run_bench_sparql(n: int = 50, budget_s: float = 3.0, only: str | None = None,
                     log: Callable[[str], None] = lambda _m: None) -> Iterator[dict]:
    """Bench every dataset (or those whose name contains `only`), yielding one result per dataset."""
    for ds in datasets():
        if only and only.lower() not in ds.name.lower():
            continue
        if ds.load is None:
            yield {"dataset": ds.name, "skipped": ds.note}
            continue
        log(f"[bench-sparql] {ds.name}")
        yield bench_dataset(ds, n, budget_s, rdflib_label_search=ds.name == "synthetic 100k")


def format_result(result: dict) -> str:
    """A table for one dataset, with the target verdicts."""
    if "skipped" in result:
        return f"{result['dataset']}: {result['skipped']}\n"
    lines = [f"{result['dataset']}: {result['triples']:,} triples (loaded in {result['load_s']} s)",
             f"  {'query':<24} {'rows':>6} {'raw p50':>9} {'raw p99':>9} {'http p50':>9} {'http p99':>9} "
             f"{'ratio':>6}  target (<= 2x raw + 5 ms)"]
    for name, q in result["queries"].items():
        raw, http = q["raw"]["p50_ms"], q["http"]["p50_ms"]
        ok = "ok" if http <= 2 * raw + 5 else "MISSED"
        lines.append(f"  {name:<24} {q['rows']:>6} {raw:>9.2f} {q['raw']['p99_ms']:>9.2f} {http:>9.2f} "
                     f"{q['http']['p99_ms']:>9.2f} {http / raw if raw else float('inf'):>5.1f}x  {ok}")
    if "rdflib label search" in result:
        rd, http = result["rdflib label search"]["p50_ms"], result["queries"]["label search"]["http"]["p50_ms"]
        ok = "ok" if rd >= 20 * http else "MISSED"
        lines.append(f"  rdflib in-memory label search p50 {rd:.1f} ms: endpoint is {rd / http:.0f}x faster "
                     f"(target >= 20x) {ok}")
    return "\n".join(lines) + "\n"
