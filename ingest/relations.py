"""Relations a definition states, found by cue phrases, each with its evidence and pattern id."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.records import Entry, Relation, RelationKind, SourceSpan
from ingest.terms import clean_label, is_acronym

# A run of quoted targets: 「A」「B」「C」 — the last closing bracket is often lost in scraping.
QUOTED_RUN = r"(?P<targets>(?:[「『][^「」『』。\n]{1,60}(?:[」』]|(?=[「『])|$)[、・とや]?)+)"
# A term written without brackets: katakana, kanji and Latin, no particles (トークスクリプト, 二次解決).
NAME = r"[A-Za-z\u30a0-\u30ff\u4e00-\u9fff][A-Za-z0-9\u30a0-\u30ff\u4e00-\u9fff]{1,29}"
BARE_TARGET = r"(?P<bare>[^\s、。「」『』(（]{2,30}?(?:[(（][^)）]{1,40}[)）])?)"


@dataclass(frozen=True, slots=True)
class Cue:
    pattern: str
    kind: RelationKind
    regex: re.Pattern[str]
    confidence: float = 0.95


def _cue(pattern: str, kind: RelationKind, regex: str, confidence: float = 0.95) -> Cue:
    return Cue(pattern, kind, re.compile(regex), confidence)


CUES: tuple[Cue, ...] = (
    # Hedged equivalence (「広義では…と同義として扱われることもある」): the text states a synonym, with a
    # hedge. It is recorded as a synonym (Relation.hedged); the graph states it as skos:related and
    # never merges or labels on it (see linking and headwords).
    _cue("hedged-synonym", RelationKind.SYNONYM,
         r"広義(?:の意味)?では、?" + QUOTED_RUN.replace("targets", "targets") + r"?(?P<rest>[^。]*?)と(?:同義|同じ意味)", 0.8),
    _cue("initials-abbreviation", RelationKind.ABBREVIATION,
         r"[「『]?(?P<long>[A-Za-z][A-Za-z \-]+?)[」』]?の頭文字を(?:取|と)って、?[「『]?(?P<short>[A-Z][A-Za-z0-9]{1,7})[」』]?"),
    _cue("no-ryaku", RelationKind.ABBREVIATION,
         r"^(?P<short>[A-Z][A-Za-z0-9 ]{1,8}?)(?:®)?とは、?[「『]?(?P<long>[A-Za-z][A-Za-z \-]+?)[」』]?の略"),
    _cue("paren-ryakusho", RelationKind.ABBREVIATION,
         r"^(?P<short>[A-Z][A-Za-z0-9]{1,8})とは、?[^(（。]*?[(（](?P<long>[A-Za-z][A-Za-z \-]+?)[)）]の略"),
    _cue("ryaku-go", RelationKind.ABBREVIATION, r"[「『](?P<long>[A-Za-z][A-Za-z \-]+?)[」』]の略語"),
    _cue("ryakushite", RelationKind.ABBREVIATION, r"略して" + QUOTED_RUN),
    _cue("to-ryakusu", RelationKind.ABBREVIATION, QUOTED_RUN + r"と略す"),
    _cue("to-dougi", RelationKind.SYNONYM, QUOTED_RUN + r"と同義"),
    _cue("onaji-imi", RelationKind.SYNONYM, QUOTED_RUN + r"と同じ意味"),
    _cue("tomo-yobareru", RelationKind.SYNONYM, QUOTED_RUN + r"とも(?:呼ばれ|言われ|いわれ|言う|いう)"),
    _cue("tomo-yobareru-list", RelationKind.SYNONYM,
         r"(?P<listed>(?:[A-Za-z][A-Za-z0-9]{1,8}[(（][^)）]{1,40}[)）]、)+[A-Za-z][A-Za-z0-9]{1,8}[(（][^)）]{1,40}[)）])"
         r"とも(?:呼ばれ|言われ|いわれ|言う|いう)", 0.85),
    _cue("tomo-yobareru-bare", RelationKind.SYNONYM, BARE_TARGET + r"とも(?:呼ばれ|言われ|いわれ|言う|いう)", 0.85),
    _cue("tsukaikata", RelationKind.SYNONYM, QUOTED_RUN + r"といった使い方", 0.8),
    _cue("onaji-daga", RelationKind.RELATED, QUOTED_RUN + r"と[^。「」]{0,10}同じだが", 0.8),
    _cue("shiteshirareru", RelationKind.SYNONYM, r"(?P<bare>[A-Za-z][A-Za-z \-]+(?:\([A-Z]+\))?)としても知られ", 0.9),
    _cue("betsumei", RelationKind.SYNONYM, r"別名" + QUOTED_RUN),
    _cue("taigigo", RelationKind.ANTONYM, r"(?:対義語|反対語|反意語)[:：は]?" + QUOTED_RUN),
    _cue("no-gyaku", RelationKind.ANTONYM, BARE_TARGET + r"の逆(?!に)"),
    _cue("kanrengo", RelationKind.RELATED, r"関連(?:用)?語[:：は]?" + QUOTED_RUN),
    _cue("sansho", RelationKind.RELATED, r"参照[:：]?" + QUOTED_RUN),
    _cue("tono-chigai", RelationKind.RELATED, QUOTED_RUN + r"との違い"),
    _cue("to-nite", RelationKind.RELATED, BARE_TARGET + r"と(?:非常に)?似てい", 0.8),
    _cue("to-kotonari", RelationKind.RELATED, BARE_TARGET + r"と異なり", 0.8),
    # 「…の場合は「二次解決」とみなされる」: a neighbouring category the definition names.
    _cue("to-minasareru", RelationKind.RELATED, QUOTED_RUN + r"とみなされ", 0.75),
    # 「トークフローをもとにトークスクリプトを作成する」: what is made from the defined thing.
    _cue("wo-motoni-sakusei", RelationKind.RELATED,
         r"をもとに、?[「『]?(?P<bare>" + NAME + r")[」』]?を(?:作成|作る|作り|策定|構築)", 0.75),
    # 「ログイン状態を解除すること」 (ログアウト): undoing a state names its opposite.
    _cue("jotai-kaijo", RelationKind.ANTONYM,
         r"(?<![A-Za-z0-9\u30a0-\u30ff\u4e00-\u9fff])(?P<bare>" + NAME + r")(?:の)?状態を解除", 0.7),
)

_QUOTED = re.compile(r"[「『]([^「」『』]+)")


def _split_targets(run: str) -> list[str]:
    targets = []
    for raw in _QUOTED.findall(run):
        text = clean_label(raw)
        # 「呼量予測/コール予測」 names two alternatives of one concept.
        parts = [clean_label(p) for p in re.split(r"\s*[/／]\s*", text)] if not is_latin_phrase(text) else [text]
        targets.extend(p for p in parts if p)
    return targets


def is_latin_phrase(text: str) -> bool:
    return bool(re.fullmatch(r"[A-Za-z0-9 ./&\-]+", text))


TITLE_COMPARISON = re.compile(r"(?P<a>[^\s、。「」?？]{2,20}?)(?:と(?P<b>[^\s、。「」?？]{2,20}?))?の違い")
TITLE_DIFFERENCE = re.compile(r"(?:[?？]|、)(?P<list>[^?？、。]{2,40}?)との違い")
SECTION_RELATED = re.compile(r"^(?P<target>.+?)との関連用語$")
# What article titles list beside terms: 「…とは?業務内容や…との違い」「意味・役割・メリット」.
TITLE_GENERIC = frozenset({"業務内容", "仕事内容", "役割", "特徴", "意味", "目的", "方法", "種類", "メリット", "デメリット",
                           "例文", "使い方", "重要性", "必要性", "導入方法", "ポイント", "仕組み"})


def relations_from_context(entry: Entry) -> list[Relation]:
    """Relations stated around the entry: its article title (「AとBの違い」) or its sub-heading."""
    out = []
    if entry.title:
        title = entry.title
        title = re.sub(r"^コールセンター(?:における|の)", "", title)
        span = SourceSpan(entry.doc, entry.span.line_end, entry.span.line_end)
        targets: list[str] = []
        if m := TITLE_DIFFERENCE.search(title):
            targets += [t for t in re.split(r"[・、]|(?<=[^\s])や(?=[^\s])", m["list"]) if t]
        elif m := TITLE_COMPARISON.search(title):
            targets += [t for t in (m["a"], m["b"]) if t]
        for target in targets:
            target = re.sub(r"^.*?(?:とは[?？]?)", "", target)
            if target in TITLE_GENERIC:  # 「ヘルプデスクとは?業務内容やコールセンターとの違い」
                continue
            if target and target != "コールセンター" or "との違い" in title:
                out.append(Relation(RelationKind.RELATED, clean_label(target), title, "title-chigai", span, 0.8))
    # 「Xとの関連用語」 heads the bullet items under it, not the next headword after them (003: LTV).
    if (entry.section and entry.layout in ("bullet", "colon") and (m := SECTION_RELATED.match(entry.section))
            and entry.headword_line):
        span = SourceSpan(entry.doc, entry.headword_line, entry.headword_line)
        out.append(Relation(RelationKind.RELATED, clean_label(m["target"]), entry.section, "section-kanren", span, 0.85))
    return out


def _line_of(entry: Entry, offset: int) -> int:
    """Map an offset in entry.definition back to its source line."""
    position = 0
    for i, line in enumerate(entry.definition_lines):
        position += len(line)
        if offset < position:
            return entry.span.line_start + i
    return entry.span.line_end


def extract_relations(entry: Entry) -> list[Relation]:
    """Every relation the entry's definition states, in text order, without duplicates."""
    text = entry.definition
    found: list[tuple[int, Relation]] = []
    claimed: list[tuple[int, int]] = []  # spans already used by a stronger cue
    for cue in CUES:
        for m in cue.regex.finditer(text):
            if any(a <= m.start() < b or a < m.end() <= b for a, b in claimed):
                continue
            line = _line_of(entry, m.start())
            span = SourceSpan(entry.doc, line, line)
            evidence = m.group(0)
            groups = m.groupdict()
            targets: list[str] = []
            if groups.get("listed"):
                targets = [clean_label(t) for t in re.split(r"(?<=[)）])、", groups["listed"]) if t]
            elif groups.get("short"):
                targets = [clean_label(groups["short"])]
            elif groups.get("targets"):
                targets = _split_targets(groups["targets"])
            elif groups.get("bare"):
                bare = clean_label(groups["bare"])
                # 「一次完了率・完結率とも」「オペレーターやコミュニケーターとも」 list several names.
                targets = [t for t in re.split(r"・|(?<=[ァ-ヶー])や(?=[ァ-ヶ])", bare) if t] if not is_acronym(bare) else [bare]
            if cue.pattern == "hedged-synonym":
                targets = _split_targets(groups.get("targets") or "") or [
                    t for t in re.split(r"や|、|・", groups.get("rest") or "") if t
                ]
            for target in targets:
                target = re.sub(r"^(?:これ|それ|.*?では|.*?は)、?", "", target) if cue.pattern.endswith("bare") else target
                if not target:
                    continue
                rel = Relation(cue.kind, target, evidence, cue.pattern, span, cue.confidence)
                if cue.kind is RelationKind.ABBREVIATION and groups.get("long"):
                    rel = Relation(cue.kind, target, evidence, cue.pattern, span, cue.confidence)
                    found.append((m.start(), rel))
                    found.append((m.start(), Relation(RelationKind.ABBREVIATION, clean_label(groups["long"]),
                                                      evidence, cue.pattern + ":long", span, cue.confidence)))
                    continue
                found.append((m.start(), rel))
            claimed.append((m.start(), m.end()))
    seen: set[tuple[str, str]] = set()
    out = []
    found.extend((len(text) + i, rel) for i, rel in enumerate(relations_from_context(entry)))
    for _, rel in sorted(found, key=lambda item: item[0]):
        key = (rel.kind.value, rel.target)
        if key not in seen:
            seen.add(key)
            out.append(rel)
    return out
