"""Curation through the CLI (`python -m kg curate …`, in process with click's runner) on a small real build:
every action changes what is served, decisions are logged with who/when/before/after, survive `kg build`
and `kg add`, follow a concept whose IRI changed, are reported when their entry is gone, and move between
installations with export/import."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.config import Settings
from kg.curation import LOG_NAME, Decision, append_decisions, read_log
from kg.errors import NotFound
from kg.service import Service

SNIPPETS = Path(__file__).parents[1] / "data"
TOKEN = "alice:curation-test-secret"
SKOS = "http://www.w3.org/2004/02/skos/core#"
# Entries without a stated headword are found by their definition: the recovered name is the machine's
# guess and changes as recovery improves; the definition is the source text.
RECOVERED = "モニタリングの結果を照合し"
COMPLAINT = "顧客から寄せられた不満、苦情"
CALL = "電話をかけること"
OUTBOUND = "オペレーターからお客様に対し、電話やメールなどで発信する業務"


@pytest.fixture(scope="module")
def prebuilt(tmp_path_factory, embedder) -> Settings:
    """The test snippets built once; each test works on its own copy of the data directory."""
    from kg.build import build_artifact

    root = tmp_path_factory.mktemp("curation")
    corpus = root / "corpus"
    corpus.mkdir()
    for path in sorted(SNIPPETS.glob("*.txt")):
        shutil.copy(path, corpus / path.name)
    settings = Settings(data_dir=root / "var", corpus_dir=corpus, write_token=TOKEN)
    build_artifact(settings, embedder=embedder)
    return settings


@pytest.fixture()
def deploy(prebuilt, tmp_path) -> Settings:
    data = tmp_path / "var"
    shutil.copytree(prebuilt.data_dir, data, symlinks=True)
    corpus = tmp_path / "corpus"
    shutil.copytree(prebuilt.corpus_dir, corpus)
    return prebuilt.with_(data_dir=data, corpus_dir=corpus)


def kg(settings: Settings, *args: str, ok: bool = True):
    env = {"KG_DATA_DIR": str(settings.data_dir), "KG_CORPUS_DIR": str(settings.corpus_dir),
           "KG_WRITE_TOKEN": settings.write_token or "", "KG_CURATOR": "", "HF_HUB_OFFLINE": "1"}
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    return result


class Served:
    """The current artifact as a fresh server process would load it."""

    def __init__(self, settings: Settings, embedder):
        self.svc = Service(settings, embedder=embedder)
        self.svc.load()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.svc.close()

    def uri(self, label: str) -> str:
        rows = self.svc.lookup(label)
        assert rows, f"no concept labelled {label!r}"
        return rows[0]["uri"]

    def by_definition(self, fragment: str) -> str:
        rows = self.ask(f'SELECT DISTINCT ?c WHERE {{ ?c <{SKOS}definition> ?d '
                        f'FILTER(CONTAINS(STR(?d), "{fragment}")) }}')
        assert len(rows) == 1, f"{len(rows)} concepts defined by {fragment!r}"
        return rows[0]["c"][0]

    def name(self, uri: str) -> str:
        return self.concept(uri)["prefLabel"]["ja"]

    def labels(self, label: str) -> list[str]:
        return [r["uri"] for r in self.svc.lookup(label)]

    def concept(self, uri: str) -> dict:
        return self.svc.concept(uri)

    def ask(self, query: str) -> list[dict]:
        return self.svc.artifact.store.select(query)


def test_rename_is_served_everywhere_and_logged_with_who_when_before_after(deploy, embedder):
    with Served(deploy, embedder) as s:
        uri = s.by_definition(RECOVERED)  # a headword recovered from a bare definition, with low confidence
        before = s.concept(uri)
        guess = s.name(uri)
    assert before["headwordConfidence"] < 0.5
    out = kg(deploy, "curate", "rename", uri, "キャリブレーション").output
    assert f"「{guess}」 → 「キャリブレーション」" in out and "by alice" in out

    with Served(deploy, embedder) as s:
        assert s.labels("キャリブレーション") == [uri]  # lookup
        assert s.svc.suggest("キャリブレーション")[0].uri == uri  # suggest (index rebuilt)
        page = s.concept(uri)  # pages and the REST concept views read this
        assert page["prefLabel"] == {"ja": "キャリブレーション"} and guess in page["candidateLabel"]
        assert uri not in s.labels(guess)  # the machine's guess is a candidate, not a name
        base = s.svc.artifact.manifest["base_iri"]
        curated = s.ask(f"SELECT ?p ?o WHERE {{ GRAPH <{base}graph/curation> {{ <{uri}> ?p ?o }} }}")
        stated = {(r["p"][0].rsplit("#", 1)[-1].rsplit("/", 1)[-1], r["o"][0]) for r in curated}
        assert ("prefLabel", "キャリブレーション") in stated and ("headwordStatus", "confirmed") in stated
        assert ("wasAttributedTo", f"{base}curator/alice") in stated
        assert any(p == "modified" for p, _ in stated)
        assert "キャリブレーション" in s.svc.export("turtle").decode()

    [line] = (deploy.data_dir / LOG_NAME).read_text(encoding="utf-8").splitlines()
    record = json.loads(line)
    assert record["who"] == "alice" and record["action"] == "rename" and record["concept"] == uri
    assert record["before"]["prefLabel"] == {"ja": guess} and record["before"]["status"] == "recovered"
    assert record["after"]["prefLabel"] == {"ja": "キャリブレーション"} and record["after"]["status"] == "confirmed"
    assert record["when"].endswith("+00:00") and record["keys"]


def test_every_action_through_the_cli(deploy, embedder):
    with Served(deploy, embedder) as s:
        aht, ttr, cx = s.uri("平均処理時間"), s.uri("解決時間"), s.uri("カスタマーエクスペリエンス")
        communicator, omni, channel = s.uri("コミュニケーター"), s.uri("オムニチャネル"), s.uri("チャネル")
        complaint, call, outbound = s.by_definition(COMPLAINT), s.by_definition(CALL), s.by_definition(OUTBOUND)
        complaint_name = s.name(complaint)
        glossaries = sorted({d["source"] for d in s.concept(communicator)["definitions"]})
    assert len(glossaries) == 2  # defined by two glossaries: something to split

    kg(deploy, "curate", "confirm", call)
    kg(deploy, "curate", "relate", aht, "antonym", ttr)
    refused = kg(deploy, "curate", "relate", aht, "broader", ttr, ok=False)  # antonyms are related: SKOS S27
    assert refused.exit_code == 1 and "SKOS S27" in refused.output
    kg(deploy, "curate", "relate", cx, "synonym", "顧客体験")
    kg(deploy, "curate", "relate", cx, "abbreviation", "CXP")
    kg(deploy, "curate", "relate", aht, "hidden", "電話一本にかかる時間の平均は?")
    kg(deploy, "curate", "relate", omni, "related", channel)
    kg(deploy, "curate", "unrelate", omni, "related", channel)
    kg(deploy, "curate", "relate", omni, "broader", "チャネル")  # a target given by its label
    kg(deploy, "curate", "merge", complaint, cx)
    kg(deploy, "curate", "split", communicator, glossaries[1], "コミュニケーター(窓口担当)")
    kg(deploy, "curate", "reject", outbound)

    with Served(deploy, embedder) as s:
        assert s.concept(call)["headwordConfidence"] == 1.0
        rel = {(r["type"], r["uri"]) for r in s.concept(aht)["relations"]}
        assert ("antonym", ttr) in rel
        assert ("antonym", aht) in {(r["type"], r["uri"]) for r in s.concept(ttr)["relations"]}  # both ways
        assert s.ask(f"SELECT (1 AS ?x) WHERE {{ <{omni}> <{SKOS}broader> <{channel}> . "
                     f"<{channel}> <{SKOS}narrower> <{omni}> }}")
        assert s.labels("顧客体験") == [cx] and s.labels("CXP") == [cx]
        assert ("CXP", "カスタマーエクスペリエンス") in s.concept(cx)["abbreviations"]
        # a hidden label: lookup finds the concept for the question as asked, with or without its wrapper
        for asked in ("電話一本にかかる時間の平均は?", "電話一本にかかる時間の平均"):
            hit = s.svc.suggest(asked, limit=1)[0]
            assert (hit.uri, hit.match_type) == (aht, "hiddenLabel"), asked
        assert channel not in {r["uri"] for r in s.concept(omni)["relations"]}
        # merged: the old IRI is retired and points at the survivor, which has its label and definition
        assert s.labels(complaint_name) == [cx] and s.by_definition(COMPLAINT) == cx
        assert s.ask(f"SELECT ?t WHERE {{ <{complaint}> <http://purl.org/dc/terms/isReplacedBy> ?t }}")[0]["t"][0] == cx
        # split: each concept keeps the definitions of its own glossaries
        [new] = s.labels("コミュニケーター(窓口担当)")
        assert {d["source"] for d in s.concept(new)["definitions"]} == {glossaries[1]}
        assert {d["source"] for d in s.concept(communicator)["definitions"]} == {glossaries[0]}
        with pytest.raises(NotFound):  # rejected: no longer a concept anywhere
            s.concept(outbound)
        assert outbound not in [h.uri for h in s.svc.suggest(OUTBOUND, limit=20)]
        assert s.svc.artifact.manifest["curations"]["applied"] == 11

    def still_there(s: Served) -> None:
        assert s.concept(call)["headwordConfidence"] == 1.0
        assert ("antonym", ttr) in {(r["type"], r["uri"]) for r in s.concept(aht)["relations"]}
        assert s.labels("顧客体験") == [cx] and s.labels("CXP") == [cx] and s.labels(complaint_name) == [cx]
        assert channel not in {r["uri"] for r in s.concept(omni)["relations"]}
        assert s.svc.suggest("電話一本にかかる時間の平均は?", limit=1)[0].uri == aht
        assert s.labels("コミュニケーター(窓口担当)") == [new] and s.labels("コミュニケーター") == [communicator]
        assert {d["source"] for d in s.concept(new)["definitions"]} == {glossaries[1]}
        with pytest.raises(NotFound):
            s.concept(outbound)
        assert s.svc.artifact.manifest["curations"]["unapplied"] == []

    kg(deploy, "build")  # everything re-applied to a freshly ingested graph, with the same IRIs
    with Served(deploy, embedder) as s:
        still_there(s)
    kg(deploy, "build")  # and again: a rebuild after a rebuild (IRIs matched through the curated artifact)
    with Served(deploy, embedder) as s:
        still_there(s)

    # SHACL and qSKOS checks: curated facts make no violation and no new structural warning
    checked = kg(deploy, "validate", "--no-skosify").output
    for finding in ("TopConceptHasBroader", "ExtractionNotAsserted", "OverlappingPrefLabels", "UndefinedTerm"):
        assert finding not in checked, checked

    log = kg(deploy, "curate", "log").output.splitlines()
    assert [line.split()[2] for line in log] == ["confirm", "relate", "relate", "relate", "relate", "relate",
                                                 "unrelate", "relate", "merge", "split", "reject"]


def test_decisions_survive_kg_build_and_kg_add_and_report_entries_that_are_gone(deploy, embedder, tmp_path):
    with Served(deploy, embedder) as s:
        recovered, call = s.by_definition(RECOVERED), s.by_definition(CALL)
    kg(deploy, "curate", "rename", recovered, "キャリブレーション")
    kg(deploy, "curate", "rename", call, "アウトバウンドコール")

    out = kg(deploy, "build").output
    assert "not applied" not in out
    added = tmp_path / "extra.txt"
    added.write_text("頭文字: ら行\n\nロバスト受付\n\n障害が起きても止まらずに問い合わせを受け付ける窓口のこと。\n",
                     encoding="utf-8")
    kg(deploy, "add", str(added))
    with Served(deploy, embedder) as s:
        assert s.labels("キャリブレーション") == [recovered]  # same IRI after re-ingesting twice
        assert s.labels("アウトバウンドコール") == [call] and s.labels("ロバスト受付")
        assert s.svc.artifact.manifest["curations"] == {"decisions": 2, "applied": 2, "remapped": [],
                                                         "unapplied": [], "damaged": []}

    # The glossary that defined both entries is removed: both decisions are reported, none silently dropped.
    (deploy.corpus_dir / "bare_001.txt").unlink()
    result = kg(deploy, "build")
    gone = [line for line in result.output.splitlines() if "not applied" in line]
    assert len(gone) == 2 and all("is gone" in line or "no concept has IRI" in line for line in gone), result.output
    with Served(deploy, embedder) as s:
        assert len(s.svc.artifact.manifest["curations"]["unapplied"]) == 2
    assert len(read_log(deploy).decisions) == 2  # still in the log: the glossary may come back


def test_a_decision_finds_its_concept_by_definition_when_the_iri_changed(deploy, embedder):
    with Served(deploy, embedder) as s:
        uri = s.by_definition(RECOVERED)
    kg(deploy, "curate", "rename", uri, "キャリブレーション")
    # As if the concept had been given another IRI since: only its definition key still matches.
    [decision] = read_log(deploy).decisions
    moved = Decision(**{**decision.__dict__, "id": "moved", "concept": uri + "-old", "label": "評価基準合わせ"})
    append_decisions(deploy, [moved])
    out = kg(deploy, "build").output
    assert "not applied" not in out
    with Served(deploy, embedder) as s:
        assert s.labels("評価基準合わせ") == [uri]
        assert s.svc.artifact.manifest["curations"]["remapped"] == [{"id": "moved", "from": uri + "-old", "to": uri}]


def test_export_and_import_move_decisions_without_duplicates(deploy, prebuilt, embedder, tmp_path):
    with Served(deploy, embedder) as s:
        uri = s.by_definition(RECOVERED)
    kg(deploy, "curate", "rename", uri, "キャリブレーション")
    kg(deploy, "curate", "relate", uri, "synonym", "評価者間調整")
    exported = tmp_path / "decisions.jsonl"
    kg(deploy, "curate", "export", str(exported))
    assert len(exported.read_text(encoding="utf-8").splitlines()) == 2

    other = prebuilt.with_(data_dir=tmp_path / "other")
    shutil.copytree(prebuilt.data_dir, other.data_dir, symlinks=True)
    assert "imported 2 decisions, 0 already here" in kg(other, "curate", "import", str(exported)).output
    assert "imported 0 decisions, 2 already here" in kg(other, "curate", "import", str(exported)).output
    assert [d.id for d in read_log(other).decisions] == [d.id for d in read_log(deploy).decisions]
    with Served(other, embedder) as s:
        assert s.labels("キャリブレーション") == [uri] and s.labels("評価者間調整") == [uri]


@pytest.mark.parametrize(("args", "says"), [
    (["rename", "https://jaterm.example.org/corpus/concept/nothing", "名前"], "unknown concept"),
    (["rename", "存在しない用語", "名前"], "no concept is labelled"),
    (["choose", "RECOVERED", "候補にない名前"], "is not a candidate"),
    (["merge", "RECOVERED", "RECOVERED"], "cannot be merged into itself"),
    (["split", "RECOVERED", "bare_001.txt", "新しい名前"], "only one glossary"),
    (["relate", "RECOVERED", "related", "存在しない用語"], "no concept is labelled"),
    (["unrelate", "オムニチャネル", "antonym", "チャネル"], "changes nothing"),
    (["rename", "RECOVERED", "平均処理時間"], "already names"),
])
def test_a_bad_decision_is_one_clear_line_and_changes_nothing(deploy, embedder, args, says):
    with Served(deploy, embedder) as s:
        recovered = s.by_definition(RECOVERED)
    args = [recovered if a == "RECOVERED" else a for a in args]
    before = sorted(p.name for p in deploy.artifacts_dir.iterdir())
    result = kg(deploy, "curate", *args, ok=False)
    assert result.exit_code == 1 and says in result.output and "Traceback" not in result.output, result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (deploy.data_dir / LOG_NAME).exists()
    assert sorted(p.name for p in deploy.artifacts_dir.iterdir()) == before


def test_a_torn_last_line_is_never_applied_and_is_cut_before_the_next_append(deploy, embedder):
    with Served(deploy, embedder) as s:
        uri, call = s.by_definition(RECOVERED), s.by_definition(CALL)
    kg(deploy, "curate", "rename", uri, "キャリブレーション")
    log = deploy.data_dir / LOG_NAME
    whole = log.read_bytes()
    log.write_bytes(whole + whole[: len(whole) // 2])  # a write cut short by kill -9: never acknowledged
    contents = read_log(deploy)
    assert len(contents.decisions) == 1 and "unfinished last line" in contents.damaged[0]
    kg(deploy, "curate", "confirm", call)
    lines = log.read_bytes().splitlines()
    assert lines[0] == whole.rstrip(b"\n") and len(lines) == 2 and all(json.loads(x) for x in lines)
    assert read_log(deploy).damaged == []
