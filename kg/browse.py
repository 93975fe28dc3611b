"""What the HTML pages show, computed without Flask: gojūon index, glossary lists, search rows, neighbours.

The web layer (kg.web.pages) parses the request, calls one function here and renders the result.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass, field

import numpy as np

from ingest.gojuon import collation_key
from ingest.kana import kana_row, to_hiragana, to_katakana
from ingest.tokenize import reading_of
from ontology.namespace import KGO
from search.index import ConceptIndex
from search.normalize import loose_key, strip_question

P = f"""PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX kgo: <{KGO}>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
"""
DEFINED_IN = P + "SELECT ?c ?file WHERE { ?c a skos:Concept ; kgo:definedIn ?doc . ?doc kgo:fileName ?file }"
DEFINITION_LINES = P + """SELECT ?c ?file (MIN(?start) AS ?line) WHERE {
  ?x rdf:subject ?c ; rdf:predicate skos:definition ; dct:source ?doc ; kgo:lineStart ?start .
  ?doc kgo:fileName ?file } GROUP BY ?c ?file"""
DOCUMENTS = P + """SELECT ?doc ?file ?layout ?title WHERE {
  ?doc a kgo:Document ; kgo:fileName ?file OPTIONAL { ?doc kgo:layout ?layout } OPTIONAL { ?doc dct:title ?title } }"""

# --- gojūon ------------------------------------------------------------------------------------
KANA_ROWS = ("あ", "か", "さ", "た", "な", "は", "ま", "や", "ら", "わ")
LATIN = tuple("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
OTHER = "other"
UNKNOWN = "unknown"
SECTION_KEYS = (*KANA_ROWS, *LATIN, OTHER, UNKNOWN)
SECTION_TITLES = {**{k: f"{k}行" for k in KANA_ROWS}, **{k: k for k in LATIN}, OTHER: "その他", UNKNOWN: "見出し語不明"}
UNKNOWN_PREFIX = "(見出し語不明)"  # what ingest.headwords names a definition whose headword it could not find
_KANJI = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def section_of(label: str, reading: str = "") -> str:
    """The browse section of a label: a kana row for Japanese, a letter for Latin script, else other."""
    text = unicodedata.normalize("NFKC", label).strip()
    if text.startswith(UNKNOWN_PREFIX):
        return UNKNOWN
    text = re.sub(r"^[\s「『(\[【〈《\"'‘“・]+", "", text)
    if not text:
        return OTHER
    first = text[0]
    if first.isascii() and first.isalpha():
        return first.upper()
    for ch in (reading or "") + text:
        if ch in "ー・ 　":
            continue
        return kana_row(ch) or OTHER
    return OTHER


# --- the catalogue of one artifact -------------------------------------------------------------
@dataclass(frozen=True)
class Entry:
    uri: str
    label: str
    lang: str
    reading: str  # hiragana reading (UniDic's) of a label that starts with kanji, else ""
    section: str
    sort_key: tuple
    glossaries: tuple[str, ...]
    headword_confidence: float


@dataclass(frozen=True)
class Glossary:
    file: str
    name: str  # its title (the vocabulary configuration's, else the one the document states), else the file name
    layout: str
    entries: tuple[tuple[int | None, Entry], ...]  # (first definition line, entry) in file order


@dataclass
class Catalogue:
    entries: list[Entry]
    by_uri: dict[str, Entry]
    sections: dict[str, list[Entry]]
    glossaries: dict[str, Glossary]
    index: ConceptIndex | None = None  # for neighbours
    antonyms_of: dict[str, set[str]] = field(default_factory=dict)
    by_label_key: dict[str, set[str]] = field(default_factory=dict)  # loose_key(label) -> concept URIs

    def section(self, key: str) -> list[Entry]:
        return self.sections.get(key, [])

    def glossary_name(self, file: str) -> str:
        g = self.glossaries.get(file)
        return g.name if g is not None else glossary_name(file)

    def nav(self) -> list[tuple[str, str, int]]:
        """(key, title, count) for every section, in gojūon, then Latin, then other order."""
        return [(k, SECTION_TITLES[k], len(self.sections.get(k, []))) for k in SECTION_KEYS]

    def same_name(self, uri: str) -> list[tuple[Entry, list[str]]]:
        """Other concepts that carry one of this concept's labels (synonyms the glossaries did not merge),
        with the labels they share."""
        index = self.index
        i = index.by_uri.get(uri) if index is not None else None
        if index is None or i is None:
            return []
        shared: dict[str, list[str]] = {}
        for label in _labels(index.docs[i]):
            for other in sorted(self.by_label_key.get(loose_key(label), ())):
                if other != uri and other in self.by_uri and label not in shared.setdefault(other, []):
                    shared[other].append(label)
        return sorted(((self.by_uri[u], labels) for u, labels in shared.items()), key=lambda x: x[0].sort_key)

    def similar(self, uri: str, k: int = 6, min_score: float = 0.3) -> list[tuple[Entry, float]]:
        """Embedding neighbours of a concept, best first, never itself nor one of its antonyms."""
        index = self.index
        i = index.by_uri.get(uri) if index is not None else None
        if index is None or i is None or index.vectors is None or not len(index.vectors):
            return []
        vector = np.asarray(index.vectors[i], dtype=np.float32)
        if not np.any(vector):
            return []
        excluded = {uri, *self.antonyms_of.get(uri, ())}
        out = []
        for j, score in index.dense_search(vector, k + len(excluded) + 1):
            other = index.docs[j].uri
            if other in excluded or score < min_score or other not in self.by_uri:
                continue
            out.append((self.by_uri[other], score))
            if len(out) >= k:
                break
        return out


def _labels(doc) -> list[str]:
    labels = [*doc.pref_labels.values(), *(text for text, _ in doc.alt_labels)]
    return [label for label in labels if not label.startswith(UNKNOWN_PREFIX)]


def glossary_name(file: str, title: str | None = None) -> str:
    """A glossary's name: its title when it has one (dct:title of its document), else its file name
    without the extension. File names carry no convention: 004_252ec….txt is just that."""
    if title and title.strip():
        return title.strip()
    return re.sub(r"\.[A-Za-z0-9]+$", "", file) or file


def display_reading(label: str, reading: str, leading_only: bool = False) -> str:
    """The hiragana reading worth showing next to a label: only labels with kanji need one (in lists,
    only labels that start with kanji, where the reading decides the label's place)."""
    if not reading or not _KANJI.search(label[:1] if leading_only else label):
        return ""
    hira = to_hiragana(reading)
    return hira if re.fullmatch(r"[\u3041-\u309fー・\s]+", hira) else ""


def build_catalogue(store, index, scope=None) -> Catalogue:
    """Every concept of the index (of one vocabulary: scope, a kg.vocabularies.VocabularyInfo) with its
    section, reading and glossaries; glossaries in file order."""
    def mine(uri: str) -> bool:
        return scope is None or scope.owns(uri)

    files: dict[str, dict[str, int | None]] = {}
    for row in store.select(DEFINED_IN):
        if mine(row["c"][0]):
            files.setdefault(row["c"][0], {}).setdefault(row["file"][0], None)
    for row in store.select(DEFINITION_LINES):
        if not mine(row["c"][0]):
            continue
        line = int(float(row["line"][0])) if "line" in row else None
        files.setdefault(row["c"][0], {})[row["file"][0]] = line
    documents = [row for row in store.select(DOCUMENTS) if mine(row["doc"][0])]
    layouts = {row["file"][0]: row.get("layout", ("",))[0] for row in documents}
    titles = {row["file"][0]: row["title"][0] for row in documents if "title" in row}

    entries: list[Entry] = []
    antonyms_of: dict[str, set[str]] = {}
    by_label_key: dict[str, set[str]] = {}
    for doc in index.docs:
        if not mine(doc.uri):
            continue
        label = doc.pref_label
        for text in _labels(doc):
            if loose_key(text):
                by_label_key.setdefault(loose_key(text), set()).add(doc.uri)
        for other in doc.antonyms:
            antonyms_of.setdefault(doc.uri, set()).add(other)
            antonyms_of.setdefault(other, set()).add(doc.uri)
        section = UNKNOWN if label.startswith(UNKNOWN_PREFIX) else None
        reading = ""
        if section is None:
            # UniDic's reading, not kgo:reading: a glossary's reading may belong to an alternative label
            # (待ち呼(まちこ) of キュー), and would file the concept under the wrong row.
            if _KANJI.search(label):
                reading = to_hiragana(reading_of(unicodedata.normalize("NFKC", label)))
            section = section_of(label, reading)
        key = (SECTION_KEYS.index(section), collation_key(reading or label) if section != UNKNOWN else "",
               unicodedata.normalize("NFKC", label).casefold(), doc.uri)
        entries.append(Entry(doc.uri, label, doc.lang, display_reading(label, reading, True), section, key,
                             tuple(sorted(files.get(doc.uri, {}))), doc.headword_confidence))
    entries.sort(key=lambda e: e.sort_key)
    sections: dict[str, list[Entry]] = {}
    for entry in entries:
        sections.setdefault(entry.section, []).append(entry)
    by_uri = {e.uri: e for e in entries}
    glossaries: dict[str, Glossary] = {}
    for file in sorted({f for fs in files.values() for f in fs} | set(layouts)):
        members = [(files[uri][file], by_uri[uri]) for uri in files if file in files[uri] and uri in by_uri]
        members.sort(key=lambda m: (m[0] is None, m[0] or 0, m[1].sort_key))
        glossaries[file] = Glossary(file, glossary_name(file, titles.get(file)), layouts.get(file, ""), tuple(members))
    return Catalogue(entries, by_uri, sections, glossaries, index, antonyms_of, by_label_key)


HEADWORD_EVIDENCE = {
    "none": "用語集に見出し語がなく、定義文からも特定できませんでした",
    "candidate": "見出し語の候補はありますが、確かではありません",
    "subject_mention": "定義文の主語から見出し語を復元しました",
    "article_title": "記事の題名から見出し語を復元しました",
    "self_reference": "定義文の中の自己言及から見出し語を復元しました",
    "other_glossary": "別の用語集の同じ定義から見出し語を復元しました",
    "corpus": "ほかの項目で同じ語と一緒に使われている語から推定しました",
    "lexicon": "辞書(JMdict)の語と定義文の意味の近さから推定しました",
    "definition_phrase": "定義文の冒頭の語句を仮の見出し語にしています",
    "defining_action": "定義文の最初の文を結ぶ動作(〜すること)の語から推定しました",
}


def label_readings(concept: dict) -> tuple[dict[str, tuple[str, bool]], list[str]]:
    """Readings for a concept page: {label with kanji: (hiragana, given by a glossary)}, and the glossary
    readings that fit none of the labels (shown on their own rather than pinned to the wrong label)."""
    given = [to_hiragana(r) for r in concept.get("reading", [])]
    labels = [*concept.get("prefLabel", {}).values(), *(a["value"] for a in concept.get("altLabel", []))]
    out: dict[str, tuple[str, bool]] = {}
    used: set[str] = set()
    for label in labels:
        if label in out or not _KANJI.search(label) or label.startswith(UNKNOWN_PREFIX):
            continue
        reading = display_reading(label, reading_of(unicodedata.normalize("NFKC", label)))
        if reading:
            out[label] = (reading, reading in given)
            used.add(reading)
    return out, [r for r in given if r not in used]


def group_evidence(items: list[dict]) -> list[dict]:
    """Evidence sentences with the same text from the same glossary (for the same label) shown once,
    with every line."""
    out: dict[tuple[str, str, str], dict] = {}
    for item in items:
        key = (item.get("label", ""), item["text"], item["source"])
        if key not in out:
            out[key] = {**item, "lines": []}
        if item.get("line") is not None and item["line"] not in out[key]["lines"]:
            out[key]["lines"].append(item["line"])
    for item in out.values():
        item["lines"].sort()
    return list(out.values())


def concept_view(cat: Catalogue, concept: dict) -> dict:
    """What the concept page shows, from describe_concept's dict (left as it is) and the catalogue."""
    uri = concept["uri"]
    readings, other_readings = label_readings(concept)
    relations = [{**r, "evidence": group_evidence(r.get("evidence", []))} for r in concept.get("relations", [])]
    shown = {**concept, "labelEvidence": group_evidence(concept.get("labelEvidence", [])), "relations": relations}
    return {"c": shown, "entry": cat.by_uri.get(uri), "similar": cat.similar(uri), "same_name": cat.same_name(uri),
            "readings": readings, "other_readings": other_readings,
            "evidence_text": HEADWORD_EVIDENCE.get(concept.get("headwordEvidence", ""), "")}


_cache_lock = threading.Lock()
_cache: dict[str | None, tuple[object, Catalogue]] = {}


def catalogue(artifact, scope=None) -> Catalogue:
    """The catalogue of a loaded artifact (kg.service.LoadedArtifact), or of one of its vocabularies
    (scope), built once per artifact."""
    key = scope.id if scope is not None else None
    cached = _cache.get(key)
    if cached is not None and cached[0] is artifact:
        return cached[1]
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None and cached[0] is artifact:
            return cached[1]
        built = build_catalogue(artifact.store, artifact.searcher.index, scope)
        _cache[key] = (artifact, built)
        return built


# --- search rows -------------------------------------------------------------------------------
# How a hit was found, as the result rows say it (search.hybrid.Hit.match_type).
MATCH_NAMES = {"prefLabel": "見出し語", "altLabel": "別名", "hiddenLabel": "別表記", "reading": "読み",
               "prefix": "見出し語の前方", "translation": "訳語", "translation-prefix": "訳語の前方",
               "fuzzy": "近い表記", "antonym": "反対語", "hybrid": "内容"}


def _fold(ch: str) -> str:
    text = unicodedata.normalize("NFKC", ch).casefold()
    return to_katakana(text)


def _folded(text: str) -> tuple[str, list[int]]:
    """text folded for matching (width, case, kana), with the index in text of each folded character."""
    out, where = [], []
    for i, ch in enumerate(text):
        for c in _fold(ch):
            if c.isspace() or c in "・･·":
                continue
            out.append(c)
            where.append(i)
    return "".join(out), where


def _longest_common(a: str, b: str) -> tuple[int, int]:
    """(start in b, length) of the longest common substring of a and b."""
    best = (0, 0)
    prev = [0] * (len(b) + 1)
    for i in range(1, len(a) + 1):
        cur = [0] * (len(b) + 1)
        for j in range(1, len(b) + 1):
            if a[i - 1] == b[j - 1]:
                cur[j] = prev[j - 1] + 1
                if cur[j] > best[1]:
                    best = (j - cur[j], cur[j])
        prev = cur
    return best


def highlight(label: str, query: str) -> list[tuple[str, bool]]:
    """label cut into (text, matched) pieces: the query where it occurs (width, case and kana folded),
    else the longest run of two or more characters it shares with the query."""
    q, _ = _folded(strip_question(query) or query)
    text, where = _folded(label)
    if not q or not text:
        return [(label, False)]
    start = text.find(q)
    length = len(q)
    if start < 0:
        start, length = _longest_common(q, text)
        if length < 2:
            return [(label, False)]
    a, b = where[start], where[start + length - 1] + 1
    pieces = [(label[:a], False), (label[a:b], True), (label[b:], False)]
    return [p for p in pieces if p[0]]


def first_line(text: str, limit: int = 90) -> str:
    """The first sentence of a definition's first line, at most limit characters."""
    line = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    end = line.find("。")
    if 0 <= end < limit:
        return line[: end + 1]
    return line if len(line) <= limit else line[: limit - 1] + "…"


def search_row(hit, query: str, cat: Catalogue) -> dict:
    """One result row: the concept, the label that matched (highlighted), the definition's first line
    and the glossaries that define it."""
    entry = cat.by_uri.get(hit.uri)
    row = {"uri": hit.uri, "label": hit.pref_label, "lang": hit.lang, "matchType": hit.match_type,
           "matchName": MATCH_NAMES.get(hit.match_type, hit.match_type), "score": round(float(hit.score), 3),
           "confident": bool(hit.confident), "definition": first_line(hit.definition),
           "reading": entry.reading if entry else "",
           "glossaries": [{"file": f, "name": cat.glossary_name(f)} for f in (entry.glossaries if entry else ())]}
    matched = hit.matched_label or hit.pref_label
    if hit.match_type == "reading":
        reading = to_hiragana(reading_of(unicodedata.normalize("NFKC", matched)))
        row["labelParts"] = [[hit.pref_label, False]]
        row["matchedParts"] = ([[matched, False], ["(", False]] if matched != hit.pref_label else []) + [
            list(p) for p in highlight(reading, query)] + ([[")", False]] if matched != hit.pref_label else [])
        if matched == hit.pref_label:
            row["reading"] = ""  # the matched reading is shown, highlighted, instead
    elif matched != hit.pref_label:
        row["labelParts"] = [[hit.pref_label, False]]
        row["matchedParts"] = [list(p) for p in highlight(matched, query)]
    else:
        row["labelParts"] = [list(p) for p in highlight(hit.pref_label, query)]
        row["matchedParts"] = []
    return row


def _merge(exact, prefix, hybrid, limit: int) -> list:
    seen, out = set(), []
    for hit in [*exact, *prefix, *hybrid]:
        if hit.uri not in seen:
            seen.add(hit.uri)
            out.append(hit)
    return out[:limit]


def _completions(service, text: str, limit: int, cat: Catalogue, scope) -> list:
    """Labels and readings that start with the text, of the catalogue's vocabulary only."""
    prefix = strip_question(text) or text
    if scope is None:
        return service.complete(prefix, limit=limit)
    return [h for h in service.complete(prefix, limit=limit * 4) if h.uri in cat.by_uri][:limit]


def live_search(service, text: str, limit: int = 8, scope=None) -> list[dict]:
    """Rows for search-as-you-type: exact label matches, then labels and readings that start with
    the text, then the ranked search's confident answers; one row per concept (of one vocabulary: scope)."""
    text = text.strip()
    if not text:
        return []
    cat = catalogue(service.artifact, scope)
    vocab = [scope.id] if scope is not None else []
    hits = service.suggest(text, limit=limit, vocab=vocab)
    exact = [h for h in hits if h.match_type != "hybrid"]
    prefix = _completions(service, text, limit, cat, scope)
    hybrid = [h for h in hits if h.match_type == "hybrid"]
    return [search_row(h, text, cat) for h in _merge(exact, prefix, hybrid, limit)]


NEAREST_FLOOR = 0.2  # below this an unconfident candidate is noise, not a hint


@dataclass
class SearchResult:
    query: str
    rows: list[dict]
    nearest: list[dict]  # unconfident candidates, shown as such when nothing is confident

    @property
    def confident(self) -> bool:
        return bool(self.rows)


def full_search(service, text: str, limit: int = 20, scope=None) -> SearchResult:
    """The full ranked list for a submitted query (in one vocabulary: scope); when nothing is confident,
    says so and offers the nearest candidates clearly marked as unconfident."""
    text = text.strip()
    if not text:
        return SearchResult(text, [], [])
    cat = catalogue(service.artifact, scope)
    vocab = [scope.id] if scope is not None else []
    hits = service.suggest(text, limit=limit, vocab=vocab)
    exact = [h for h in hits if h.match_type != "hybrid"]
    prefix = _completions(service, text, limit, cat, scope)
    hybrid = [h for h in hits if h.match_type == "hybrid"]
    rows = [search_row(h, text, cat) for h in _merge(exact, prefix, hybrid, limit)]
    nearest = []
    if not rows:
        candidates = service.suggest(text, limit=5, include_unconfident=True, vocab=vocab)
        nearest = [search_row(h, text, cat) for h in candidates if h.score >= NEAREST_FLOOR]
    return SearchResult(text, rows, nearest)
