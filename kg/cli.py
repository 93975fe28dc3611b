"""Command line: `python -m kg build|serve|query|search|export|eval|info`."""

from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path

import click

from kg.config import Settings
from kg.errors import KGError

log = logging.getLogger("kg")


def _progress(iterable, desc: str):
    from tqdm import tqdm

    # No monitor thread: a build forks workers only from a process with no other thread (ingest.forked).
    tqdm.monitor_interval = 0
    return tqdm(iterable, desc=desc, unit="item", leave=False, file=sys.stderr, disable=not sys.stderr.isatty())


class KGGroup(click.Group):
    """Turns every known error into one readable line (tracebacks with --debug)."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (KGError, OSError, ValueError) as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)


@click.group(cls=KGGroup)
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logs.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Japanese terminology knowledge graph: build, serve, query and search."""
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    ctx.obj = {"debug": debug, "settings": Settings.from_env()}


def _settings(ctx: click.Context) -> Settings:
    return ctx.obj["settings"]


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--config", "config", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Vocabulary configuration (TOML, see kg/vocabularies.py); default KG_VOCABULARIES.")
@click.pass_context
def build(ctx: click.Context, paths: tuple[Path, ...], config: Path | None) -> None:
    """Ingest glossaries into a new artifact and make it current.

    Without PATHS: the configured vocabularies (KG_VOCABULARIES, --config, or the corpus folder's
    vocabularies.toml). With PATHS and no configuration: one vocabulary named by its documents.
    """
    from kg.build import build_artifact
    from kg.documents import build_lock

    settings = _settings(ctx)
    if config is not None:
        settings = settings.with_(vocabularies_file=config)
    started = time.perf_counter()
    with build_lock(settings, 600):  # one build at a time, with `kg add` and POST /rest/v1/documents
        result = build_artifact(settings, list(paths) or None, progress=_progress,
                                on_step=lambda step: click.echo(f"[build] {step}", err=True))
    counts = result.manifest["counts"]
    for doc in result.report.documents:
        runner = f"; runner-up {doc.runner_up} {doc.runner_up_score:.2f}" if doc.runner_up else ""
        click.echo(f"read {doc.name}: {doc.entries} entries by {doc.reader} {doc.reader_score:.2f} "
                   f"({doc.layout}){runner}", err=True)
    for error in result.report.errors:
        click.echo(f"skipped {error}", err=True)
    for conflict in result.report.conflicts:
        click.echo(f"conflict {conflict}", err=True)
    for line in result.curations.lines() if result.curations else ():  # decisions whose entry is gone
        click.echo(f"warning {line}", err=True)
    click.echo(f"built {result.path.name}: {counts['documents']} documents, {counts['concepts']} concepts, "
               f"{counts['quads']} quads in {time.perf_counter() - started:.1f} s")
    for vocab in result.manifest.get("vocabs", []):
        title = vocab["title"].get("ja") or next(iter(vocab["title"].values()), "")
        click.echo(f"vocabulary {vocab['id']}: {title} <{vocab['base_iri']}>, {len(vocab['documents'])} documents, "
                   f"{vocab['concepts']} concepts")


@main.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--entries", "shown", default=5, show_default=True, help="How many entries to show.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def inspect(path: Path, shown: int, as_json: bool) -> None:
    """Say which reader reads FILE and why (score, reasons, runner-up), and show its first entries."""
    from kg.inspect import inspect_file

    report = inspect_file(path, shown)
    click.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2) if as_json else report.text())
    if not report.recognised:
        ctx = click.get_current_context()
        ctx.exit(1)


@main.command()
@click.option("--dev", is_flag=True, help="Flask's development server instead of gunicorn.")
@click.option("--host", default=None, help="Bind address (default 127.0.0.1).")
@click.option("--port", type=int, default=None)
@click.pass_context
def serve(ctx: click.Context, dev: bool, host: str | None, port: int | None) -> None:
    """Serve the current artifact over HTTP (SPARQL, REST, pages)."""
    settings = _settings(ctx).with_(**{k: v for k, v in {"host": host, "port": port}.items() if v})
    from kg.web.serve import run_server

    run_server(settings, dev=dev)


@main.command()
@click.argument("sparql")
@click.option("--format", "fmt", default="json", type=click.Choice(["json", "xml", "csv", "tsv", "turtle", "nt"]))
@click.pass_context
def query(ctx: click.Context, sparql: str, fmt: str) -> None:
    """Run a read-only SPARQL query against the current artifact (same sandbox as /sparql)."""
    from kg.service import Service
    from kg.sparql import prepare_query

    media = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
             "csv": "text/csv", "tsv": "text/tab-separated-values", "turtle": "text/turtle",
             "nt": "application/n-triples"}[fmt]
    prepared = prepare_query(sparql)
    if prepared.form in ("CONSTRUCT", "DESCRIBE") and fmt in ("json", "xml", "csv", "tsv"):
        media = "text/turtle"
    service = Service(_settings(ctx))
    try:
        result = service.runner.run(prepared, media_type=media)
    finally:
        service.close()
    sys.stdout.buffer.write(result.content)
    if not result.content.endswith(b"\n"):
        sys.stdout.write("\n")


@main.command()
@click.argument("text")
@click.option("--limit", default=10, show_default=True)
@click.option("--threshold", type=float, default=None, help="Confidence below which hits are dropped.")
@click.option("--json", "as_json", is_flag=True, help="Print the same JSON as GET /rest/v1/suggest.")
@click.option("--vocab", multiple=True, help="Only concepts of this vocabulary (repeatable).")
@click.pass_context
def search(ctx: click.Context, text: str, limit: int, threshold: float | None, as_json: bool,
           vocab: tuple[str, ...]) -> None:
    """Natural-language term lookup."""
    from kg.service import Service

    hits = Service(_settings(ctx)).suggest(text, limit=limit, threshold=threshold, vocab=vocab)
    if as_json:
        click.echo(json.dumps({"query": text, "results": [h.as_dict() for h in hits]}, ensure_ascii=False, indent=2))
        return
    if not hits:
        click.echo("no confident answer")
    for i, hit in enumerate(hits, 1):
        click.echo(f"{i}. {hit.pref_label}  [{hit.match_type}: {hit.matched_label}]  {hit.score:.2f}")
        click.echo(f"   {hit.definition[:100]}")


@main.command()
@click.option("--format", "fmt", default="turtle", show_default=True,
              type=click.Choice(["turtle", "xml", "json-ld", "nt", "trig", "nquads"]))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--vocab", default=None, help="Only this vocabulary's graphs (an id from `kg info`).")
@click.pass_context
def export(ctx: click.Context, fmt: str, output: Path | None, vocab: str | None) -> None:
    """Write every vocabulary (or one) in an RDF format."""
    from kg.service import Service

    data = Service(_settings(ctx)).export(fmt, vocab)
    if output:
        output.write_bytes(data)
        click.echo(f"wrote {output} ({len(data)} bytes)", err=True)
    else:
        sys.stdout.buffer.write(data)


@main.command()
@click.pass_context
def info(ctx: click.Context) -> None:
    """Show the current artifact's manifest."""
    from kg.build import current_artifact_path, read_artifact_manifest
    from kg.errors import IndexNotReady

    path = current_artifact_path(_settings(ctx))
    if path is None:
        raise IndexNotReady("no built artifact yet: run `python -m kg build`")
    click.echo(json.dumps(read_artifact_manifest(path), ensure_ascii=False, indent=2))


@main.group("eval")
def eval_group() -> None:
    """Quality against the hand-annotated gold in data/gold (dev and held-out splits)."""


@eval_group.command("extract")
@click.option("--gold", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None)
@click.option("--dev", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Third-party development glossaries (default data/dev).")
@click.option("--lexical-only", is_flag=True, help="Align definitions without the embedding model.")
@click.pass_context
def eval_extract(ctx: click.Context, gold: Path | None, dev: Path | None, lexical_only: bool) -> None:
    """Entry, headword, relation, abbreviation and reading scores per document."""
    from kg.build import definition_similarity
    from kg.config import PROJECT_ROOT
    from kg.evaluation.extract import evaluate, report

    settings = _settings(ctx)
    similarity = None
    if not lexical_only:
        from search.embedder import load_embedder

        similarity = definition_similarity(load_embedder(settings.embedding_model))
    click.echo(report(evaluate(settings.corpus_dir, gold or PROJECT_ROOT / "data" / "gold" / "extraction",
                               dev or PROJECT_ROOT / "data" / "dev", similarity)))


@eval_group.command("headwords")
@click.option("--gold", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None)
@click.option("--lexical-only", is_flag=True, help="Score candidates without the embedding model.")
@click.pass_context
def eval_headwords(ctx: click.Context, gold: Path | None, lexical_only: bool) -> None:
    """Recovered-headword accuracy (in the text / not in the text) and accuracy per confidence bucket."""
    from kg.build import definition_similarity
    from kg.config import PROJECT_ROOT
    from kg.evaluation.headwords import evaluate_headwords, report_headwords

    settings = _settings(ctx)
    similarity = None
    if not lexical_only:
        from search.embedder import load_embedder

        similarity = definition_similarity(load_embedder(settings.embedding_model))
    click.echo(report_headwords(evaluate_headwords(settings.corpus_dir,
                                                   gold or PROJECT_ROOT / "data" / "gold" / "extraction", similarity)))


@eval_group.command("search")
@click.option("--queries", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Bundled-glossary queries (default data/gold/queries.jsonl), asked of the current artifact.")
@click.option("--dev-queries", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Third-party queries (default data/gold/queries_dev.jsonl; skipped if absent).")
@click.option("--dev-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where each third-party glossary's artifact is built (default: a temporary directory).")
@click.option("--signals", "by_signal", is_flag=True, help="Also rank with each signal alone.")
@click.option("--failures", "show_failures", is_flag=True, help="List the queries answered wrongly.")
@click.pass_context
def eval_search(ctx: click.Context, queries: Path | None, dev_queries: Path | None, dev_dir: Path | None,
                by_signal: bool, show_failures: bool) -> None:
    """R@1/@5, MRR, English R@1 and negatives rejected, per kind and per glossary, bundled and third-party.

    Reads artifacts only: third-party glossaries are built into their own data directories, and
    nothing in the package or the served artifact is written.
    """
    import tempfile

    from kg.config import PROJECT_ROOT
    from kg.evaluation import search as evaluation
    from kg.service import Service

    settings = _settings(ctx)
    gold_dir = PROJECT_ROOT / "data" / "gold"
    doc_dirs = [settings.corpus_dir, PROJECT_ROOT / "data" / "dev"]
    gold = evaluation.gold_definitions(gold_dir / "extraction", doc_dirs)
    service = Service(settings)
    searcher = service.artifact.searcher
    click.echo(evaluation.vector_hit_report(searcher))
    bundled = evaluation.load_queries(queries or gold_dir / "queries.jsonl")
    outcomes = evaluation.ask(searcher, bundled, gold)
    rows = evaluation.signal_rows(searcher, bundled, gold) if by_signal else None
    click.echo(evaluation.report_set("bundled glossaries (the served artifact)", outcomes, rows,
                                     [evaluation.fit_line("served artifact", searcher)]))
    if show_failures:
        click.echo("\n".join(evaluation.failures(outcomes, lambda _o: searcher)) + "\n")
    dev_path = dev_queries or gold_dir / "queries_dev.jsonl"
    if not dev_path.is_file():
        click.echo(f"no third-party queries ({dev_path} is absent)")
        return
    third_party = evaluation.load_queries(dev_path)
    with tempfile.TemporaryDirectory(prefix="kg-eval-") as tmp:
        searchers = evaluation.build_glossary_artifacts(
            settings, {q.glossary for q in third_party if q.glossary}, doc_dirs, dev_dir or Path(tmp),
            service.embedder, log=lambda m: click.echo(f"[eval] {m}", err=True))
        missing = [q.id for q in third_party if q.glossary not in searchers]
        if missing:
            raise ValueError(f"{dev_path}: queries without a glossary: {', '.join(missing[:5])}")
        dev_outcomes = [o for g, s in sorted(searchers.items())
                        for o in evaluation.ask(s, [q for q in third_party if q.glossary == g], gold)]
        click.echo(evaluation.report_set("third-party glossaries (one artifact each, built as `kg build FILE`)",
                                         dev_outcomes, None,
                                         [evaluation.fit_line(g, s) for g, s in sorted(searchers.items())]))
        if show_failures:
            click.echo("\n".join(evaluation.failures(dev_outcomes, lambda o: searchers[o.query.glossary or ""])))


@main.command()
@click.argument("path", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--no-skosify", is_flag=True, help="Skip the skosify cross-check.")
@click.option("--quiet", "-q", is_flag=True, help="Print violations only (warnings are still counted).")
@click.pass_context
def validate(ctx: click.Context, path: Path | None, no_skosify: bool, quiet: bool) -> None:
    """SHACL shapes (ontology/shapes.ttl) and qSKOS-style checks on the current artifact or an RDF file.

    One line per finding (focus node — shape/constraint — message), then counts; exit status 1 on
    any violation.
    """
    from kg.validate import validate_artifact, validate_file

    if path is not None:
        report = validate_file(path, use_skosify=not no_skosify)
    else:
        report = validate_artifact(_settings(ctx), use_skosify=not no_skosify)
    for finding in report.findings:
        if not quiet or finding.severity == "violation":
            click.echo(finding.line())
    click.echo(report.summary())
    if not report.conforms:
        sys.exit(1)


@main.command()
@click.option("-n", "--requests", "n", default=200, show_default=True, help="Requests per measurement.")
@click.option("--no-scale", is_flag=True, help="Skip the 40k-concept run (it builds an artifact: about 2 minutes).")
@click.pass_context
def bench(ctx: click.Context, n: int, no_scale: bool) -> None:
    """Latency benchmarks as ratios against raw fugashi, faiss and pyoxigraph in the same run."""
    from kg.bench import format_results, format_suggest, run_bench, run_scale_bench
    from kg.config import PROJECT_ROOT
    from kg.service import Service

    settings = _settings(ctx)
    service = Service(settings)
    try:
        click.echo(format_results(run_bench(service, n)))
    finally:
        service.close()
    if no_scale:
        return
    click.echo("\nat scale: the corpus plus Iconclass (Japanese labels), loaded and built as `kg load` does", err=True)
    scale = run_scale_bench(settings, PROJECT_ROOT.parent / "shared", n,
                            progress=lambda step: click.echo(f"[scale] {step}", err=True))
    if scale is None:
        click.echo("skipped the 40k-concept benchmark: ../shared/scale is not here")
    else:
        click.echo("\n".join(format_suggest(scale)))
        click.echo(json.dumps(scale, ensure_ascii=False))


@main.command("bench-ingest")
@click.option("--sizes", default=None, help="Comma-separated entry counts (default 5000,10000,20000,50000).")
@click.option("--layouts", default="csv,text", show_default=True, help="Comma-separated: csv, text.")
@click.option("--quick", is_flag=True, help="Sizes 500,1000,2000 (a smoke run).")
@click.option("--seed", default=0, show_default=True, help="Seed of the synthetic glossaries.")
@click.option("--timeout", "timeout_s", default=900.0, show_default=True, help="Seconds before one build is killed.")
@click.pass_context
def bench_ingest(ctx: click.Context, sizes: str | None, layouts: str, quick: bool, seed: int, timeout_s: float) -> None:
    """`kg build` of generated 5k–50k-entry glossaries (CSV, headword lines): time and peak memory against a raw
    reference."""
    from kg.bench_ingest import QUICK_SIZES, SIZES, format_bench_ingest, run_bench_ingest

    try:
        counts = [int(s) for s in sizes.split(",")] if sizes else list(QUICK_SIZES if quick else SIZES)
    except ValueError as exc:
        raise click.BadParameter(f"--sizes takes comma-separated entry counts ({exc})") from exc
    results = run_bench_ingest(_settings(ctx).corpus_dir, counts, [s.strip() for s in layouts.split(",") if s.strip()],
                               seed, timeout_s=timeout_s, log=lambda m: click.echo(m, err=True))
    click.echo(format_bench_ingest(results))
    if any(r.error for r in results):
        sys.exit(1)


@main.command("bench-sparql")
@click.option("-n", "--requests", "n", default=50, show_default=True, help="Most samples per measurement.")
@click.option("--budget", default=3.0, show_default=True, help="Seconds per measurement before it stops early.")
@click.option("--only", default=None, help="Only datasets whose name contains this (e.g. 'synthetic', 'STW').")
@click.option("--json", "as_json", is_flag=True, help="Also print each dataset's numbers as one JSON line.")
def bench_sparql(n: int, budget: float, only: str | None, as_json: bool) -> None:
    """Typical SKOS queries at 10k/100k/500k+ triples: our /sparql over HTTP next to raw pyoxigraph and rdflib."""
    from kg.bench_sparql import format_result, run_bench_sparql

    for result in run_bench_sparql(n, budget, only, log=lambda m: click.echo(m, err=True)):
        click.echo(format_result(result))
        if as_json:
            click.echo(json.dumps(result, ensure_ascii=False))


@main.command("add")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--wait", "wait_s", type=float, default=600.0, show_default=True,
              help="Seconds to wait for a build already running to finish (0: fail at once).")
@click.option("--skip-invalid", is_flag=True,
              help="Add the files that pass the check even if others fail it (exit status is still 1).")
@click.pass_context
def add(ctx: click.Context, files: tuple[Path, ...], wait_s: float, skip_invalid: bool) -> None:
    """Add or replace glossaries (kept in KG_DATA_DIR/documents, same name replaces) and rebuild.

    Every file is checked first (decodes, has glossary entries, at most KG_MAX_DOCUMENT_MB); by default one
    bad file refuses them all and nothing changes. The new artifact is built beside the live one and swapped
    in atomically; a failed build leaves the previous one serving. One build at a time (a lock file).
    """
    from kg.documents import DocumentRejected, add_documents, check_file

    settings = _settings(ctx)
    logging.getLogger("kg.documents").setLevel(logging.INFO)  # one JSON line per build step on stderr
    checked, rejected = [], []
    for path in files:
        try:
            checked.append(check_file(path, settings.max_document_bytes))
        except DocumentRejected as exc:
            rejected.append(str(exc))
    for reason in rejected:
        click.echo(f"rejected {reason}", err=True)
    if rejected and not (skip_invalid and checked):
        raise DocumentRejected(f"{len(rejected)} of {len(files)} files rejected; nothing was changed")
    result = add_documents(settings, checked, wait_s=wait_s, progress=_progress)
    for warning in result.warnings:
        click.echo(f"warning {warning}", err=True)
    for line in result.build.curations.lines() if result.build.curations else ():
        click.echo(f"warning {line}", err=True)
    counts = result.build.manifest["counts"]
    click.echo(f"added {len(result.added)}, replaced {len(result.replaced)}: built {result.build.path.name} with "
               f"{counts['documents']} documents, {counts['concepts']} concepts")
    if rejected:
        sys.exit(1)


@main.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--id", "vocab_id", required=True, help="Short id of the vocabulary (its named graph name).")
@click.pass_context
def load(ctx: click.Context, path: Path, vocab_id: str) -> None:
    """Add an external SKOS vocabulary (Turtle, RDF/XML, N-Triples, JSON-LD, optionally .gz) and rebuild."""
    from kg.build import build_artifact
    from kg.documents import build_lock
    from kg.external import check_vocabulary, store_vocabulary

    settings = _settings(ctx)
    concepts = check_vocabulary(path)
    with build_lock(settings, 600):
        store_vocabulary(settings, path, vocab_id)
        result = build_artifact(settings, progress=_progress,
                                on_step=lambda step: click.echo(f"[build] {step}", err=True))
    loaded = next(v for v in result.manifest["vocabularies"] if v["id"] == vocab_id)
    click.echo(f"loaded {vocab_id}: {concepts} concepts, {loaded['quads']} quads into <{loaded['graph']}>; "
               f"built {result.path.name} ({result.manifest['counts']['concepts']} searchable concepts)")


# --- curation (kg.curation, kg.review) -------------------------------------------------------------

@main.group("curate")
@click.option("--as", "who", default=None,
              help="Curator name recorded with each decision (default: KG_CURATOR, else the KG_WRITE_TOKEN name).")
@click.option("--wait", "wait_s", type=float, default=600.0, show_default=True,
              help="Seconds to wait for a build already running.")
@click.pass_context
def curate_group(ctx: click.Context, who: str | None, wait_s: float) -> None:
    """Review queue and curator decisions: kept in KG_DATA_DIR/curations.jsonl, re-applied on every build.

    CONCEPT is an IRI or a label naming exactly one concept. Each decision is published at once.
    """
    import os

    from kg.curation import curator_name, write_tokens

    tokens = write_tokens(_settings(ctx).write_token)
    ctx.obj["who"] = who or os.environ.get("KG_CURATOR") or curator_name(tokens[0] if tokens else None)
    ctx.obj["wait_s"] = wait_s


def _decide(ctx: click.Context, body: dict) -> None:
    from kg.curator import curate

    logging.getLogger("kg.documents").setLevel(logging.INFO)
    result = curate(_settings(ctx), body, ctx.obj["who"], wait_s=ctx.obj["wait_s"])
    d = result.decision
    before, after = d.before.get("prefLabel", {}), d.after.get("prefLabel", {})
    change = f": 「{before.get('ja', '')}」 → 「{after.get('ja', '')}」" if before != after and after else ""
    click.echo(f"{d.action} <{d.concept}>{change} (decision {d.id} by {d.who}; published {result.artifact} "
               f"in {result.seconds:.1f} s)")
    for u in result.unapplied:
        click.echo(f"warning {u.line()}", err=True)


@curate_group.command("list")
@click.option("--limit", default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the same JSON as GET /rest/v1/review.")
@click.pass_context
def curate_list(ctx: click.Context, limit: int, as_json: bool) -> None:
    """The review queue: lowest headword confidence first, weighted by how often each concept is looked up."""
    from kg.build import current_artifact_path
    from kg.errors import IndexNotReady
    from kg.review import LookupCounter, review_queue
    from kg.store import GraphStore

    settings = _settings(ctx)
    path = current_artifact_path(settings)
    if path is None:
        raise IndexNotReady("no built artifact yet: run `python -m kg build`")
    items = review_queue(GraphStore(path / "store"), LookupCounter(settings.data_dir).counts(), limit)
    if as_json:
        click.echo(json.dumps({"results": [i.as_dict() for i in items]}, ensure_ascii=False, indent=2))
        return
    for i, it in enumerate(items, 1):
        others = "、".join(c.label for c in it.candidates[1:4])
        click.echo(f"{i}. {it.prefLabel}  [{it.status} {it.confidence:.2f}, {it.lookups} lookups]  <{it.uri}>")
        click.echo(f"   {it.definition[:100]}")
        if others:
            click.echo(f"   candidates: {others}")


@curate_group.command("log")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per decision.")
@click.pass_context
def curate_log(ctx: click.Context, as_json: bool) -> None:
    """Every decision in the log, oldest first."""
    from kg.curation import read_log

    contents = read_log(_settings(ctx))
    for d in contents.decisions:
        if as_json:
            click.echo(json.dumps(d.as_dict(), ensure_ascii=False))
        else:
            click.echo(f"{d.when} {d.who} {d.action} <{d.concept}> {d.label or d.into or d.target or ''} ({d.id})")
    for line in contents.damaged:
        click.echo(f"warning {line}", err=True)


@curate_group.command("confirm")
@click.argument("concept")
@click.pass_context
def curate_confirm(ctx: click.Context, concept: str) -> None:
    """Confirm the concept's current name."""
    _decide(ctx, {"concept": concept, "action": "confirm"})


@curate_group.command("rename")
@click.argument("concept")
@click.argument("label")
@click.option("--lang", default=None, help="Language of the name (default ja).")
@click.pass_context
def curate_rename(ctx: click.Context, concept: str, label: str, lang: str | None) -> None:
    """Give the concept a name typed by the curator."""
    _decide(ctx, {"concept": concept, "action": "rename", "label": label, **({"lang": lang} if lang else {})})


@curate_group.command("choose")
@click.argument("concept")
@click.argument("label")
@click.pass_context
def curate_choose(ctx: click.Context, concept: str, label: str) -> None:
    """Name the concept by one of its candidate labels."""
    _decide(ctx, {"concept": concept, "action": "choose", "label": label})


@curate_group.command("merge")
@click.argument("concept")
@click.argument("into")
@click.pass_context
def curate_merge(ctx: click.Context, concept: str, into: str) -> None:
    """Merge CONCEPT into INTO (its labels, definitions and relations move; its IRI is retired)."""
    _decide(ctx, {"concept": concept, "action": "merge", "into": into})


@curate_group.command("split")
@click.argument("concept")
@click.argument("source")
@click.argument("label")
@click.pass_context
def curate_split(ctx: click.Context, concept: str, source: str, label: str) -> None:
    """Split off the definition glossary SOURCE gives CONCEPT into a new concept named LABEL."""
    _decide(ctx, {"concept": concept, "action": "split", "source": source, "label": label})


RELATION_CHOICE = click.Choice(["synonym", "antonym", "related", "abbreviation", "broader", "hidden"])


@curate_group.command("relate")
@click.argument("concept")
@click.argument("kind", type=RELATION_CHOICE)
@click.argument("target")
@click.pass_context
def curate_relate(ctx: click.Context, concept: str, kind: str, target: str) -> None:
    """Add a relation: antonym/related/broader to a concept, synonym/abbreviation as a label, hidden as a
    hidden label (found by lookup, never shown: a question people ask, a misspelling)."""
    _decide(ctx, {"concept": concept, "action": "relate", "type": kind, "target": target})


@curate_group.command("unrelate")
@click.argument("concept")
@click.argument("kind", type=RELATION_CHOICE)
@click.argument("target")
@click.pass_context
def curate_unrelate(ctx: click.Context, concept: str, kind: str, target: str) -> None:
    """Remove a relation (or a synonym/abbreviation/hidden label)."""
    _decide(ctx, {"concept": concept, "action": "unrelate", "type": kind, "target": target})


@curate_group.command("reject")
@click.argument("concept")
@click.pass_context
def curate_reject(ctx: click.Context, concept: str) -> None:
    """Remove an entry that is not a term (its IRI is kept as deprecated)."""
    _decide(ctx, {"concept": concept, "action": "reject"})


@curate_group.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def curate_export(ctx: click.Context, file: Path) -> None:
    """Write every decision as JSON lines to FILE (`-` for stdout), for `kg curate import` elsewhere."""
    from kg.curation import export_records

    records = export_records(_settings(ctx))
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    if str(file) == "-":
        sys.stdout.write(text)
        return
    from kg.documents import write_atomic

    write_atomic(file.resolve(), text.encode("utf-8"))
    click.echo(f"exported {len(records)} decisions to {file}", err=True)


@curate_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def curate_import(ctx: click.Context, file: Path) -> None:
    """Append the decisions in FILE that this installation lacks (by id) and publish them."""
    from kg.curation import read_records
    from kg.curator import import_decisions

    added, skipped, result = import_decisions(_settings(ctx), read_records(file), wait_s=ctx.obj["wait_s"])
    published = f"; published {result.path.name}" if result is not None else ""
    click.echo(f"imported {added} decisions, {skipped} already here{published}")
    if result is not None and result.curations is not None:
        for line in result.curations.lines():
            click.echo(f"warning {line}", err=True)
