"""Relations a definition states, found by cue phrases, each with its evidence and pattern id."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.records import Entry, Relation, RelationKind, SourceSpan
from ingest.terms import clean_label, is_acronym

# A run of quoted targets: 「A」「B」「C」 — the last closing bracket is often lost in scraping.
QUOTED_RUN = r"(?P<targets>(?:[「『][^「」『』。\n]{1,60}(?:[」』]|(?=[「『])|$)[、・とや]?)+)"
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
    # Hedged equivalence (「広義では…と同義として扱われることもある」) is a related term, not a synonym.
    _cue("hedged-synonym", RelationKind.RELATED,
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
    _cue("tomo-yobareru-bare", RelationKind.SYNONYM, BARE_TARGET + r"とも(?:呼ばれ|言われ|いわれ|言う|いう)", 0.85),
    _cue("shiteshirareru", RelationKind.SYNONYM, r"(?P<bare>[A-Za-z][A-Za-z \-]+(?:\([A-Z]+\))?)としても知られ", 0.9),
    _cue("betsumei", RelationKind.SYNONYM, r"別名" + QUOTED_RUN),
    _cue("taigigo", RelationKind.ANTONYM, r"(?:対義語|反対語|反意語)[:：は]?" + QUOTED_RUN),
    _cue("no-gyaku", RelationKind.ANTONYM, BARE_TARGET + r"の逆(?!に)"),
    _cue("kanrengo", RelationKind.RELATED, r"関連(?:用)?語[:：は]?" + QUOTED_RUN),
    _cue("sansho", RelationKind.RELATED, r"参照[:：]?" + QUOTED_RUN),
    _cue("tono-chigai", RelationKind.RELATED, QUOTED_RUN + r"との違い"),
    _cue("to-nite", RelationKind.RELATED, BARE_TARGET + r"と(?:非常に)?似てい", 0.8),
    _cue("to-kotonari", RelationKind.RELATED, BARE_TARGET + r"と異なり", 0.8),
)

_QUOTED = re.compile(r"[「『]([^「」『』]+)")


def _split_targets(run: str) -> list[str]:
    return [clean_label(t) for t in _QUOTED.findall(run) if clean_label(t)]


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
            if groups.get("short"):
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
    for _, rel in sorted(found, key=lambda item: item[0]):
        key = (rel.kind.value, rel.target)
        if key not in seen:
            seen.add(key)
            out.append(rel)
    return out
