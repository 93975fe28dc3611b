"""The relation grammar: cue tables (TOML data) compiled into patterns, and what they match.

`ingest/cues/default.toml` holds how Japanese glossaries state relations, with no domain word;
a profile may add cues of its own (`[[relations.cues]]`, same fields). This module expands the
macros ({Q}, {NAME}, {LATIN}, {LIST}, {BARE}), compiles each cue once, and turns a match into
target terms: a quoted run is split on its brackets, a list on 、・/ and commas.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ingest.records import RelationKind
from ingest.terms import clean_label, is_acronym

CUE_DIR = Path(__file__).with_name("cues")
_NAME_CHARS = r"A-Za-z0-9\u30a0-\u30ff\u4e00-\u9fff\u3005"
MACROS = {
    # A run of quoted targets: 「A」「B」、『C』 — the last closing bracket is often lost in scraping.
    "Q": r"(?P<targets>(?:[「『][^「」『』。\n]{1,60}(?:[」』]|(?=[「『])|$)\s*(?:[、・とや,]\s*|および|及び|または)?)+)",
    # One unquoted term (ウォーターフォール開発, DX): no particles, bounded on the left.
    "NAME": rf"(?<![{_NAME_CHARS}])(?P<name>[A-Za-z\u30a0-\u30ff\u4e00-\u9fff\u3005][{_NAME_CHARS}・\-]{{1,29}})",
    # An English phrase (Software as a Service).
    "LATIN": r"(?<![A-Za-z])(?P<latin>[A-Za-z][A-Za-z0-9 .&'/\-]{1,80})",
    # The rest of the clause, a list of terms.
    "LIST": r"(?P<list>[^。\n]{1,200})",
    # A term written without brackets, possibly with a bracketed gloss (older cue tables).
    "BARE": r"(?P<bare>[^\s、。「」『』(（]{2,30}?(?:[(（][^)）]{1,40}[)）])?)",
}
_QUOTED = re.compile(r"[「『]([^「」『』]+)")
# ・ separates list items, except inside a katakana compound (ワーク・ライフ・バランス).
_LIST_SPLIT = re.compile(r"\s*(?:[、,，;；]|(?<![\u30a1-\u30fa])・|・(?![\u30a1-\u30fa])|/|／|および|及び|または|又は)\s*")
_LIST_TAIL = re.compile(r"\s*(?:など|等|を参照|も参照|参照|の項|などがある|がある|が挙げられる|です|である)?[。.\s]*$")
_HIRAGANA = re.compile(r"[\u3041-\u3096]")


@dataclass(frozen=True)
class Cue:
    id: str
    kind: RelationKind
    regex: re.Pattern[str]
    confidence: float = 0.95
    hedged: bool = False
    examples: tuple[tuple[str, tuple[str, ...]], ...] = field(default=(), compare=False)


@dataclass(frozen=True, slots=True)
class CueMatch:
    cue: Cue
    start: int
    end: int
    evidence: str
    targets: tuple[str, ...]
    short: str | None = None  # for a short/long abbreviation pair both sides are targets
    long: str | None = None


def compile_cue(spec: dict, source: str) -> Cue:
    try:
        pattern = re.sub(r"\{(Q|NAME|LATIN|LIST|BARE)\}", lambda m: MACROS[m[1]], spec["pattern"])
        examples = tuple((e["text"], tuple(e.get("targets", ()))) for e in spec.get("examples", ()))
        return Cue(spec["id"], RelationKind(spec["kind"]), re.compile(pattern), float(spec.get("confidence", 0.95)),
                   bool(spec.get("hedged", False)), examples)
    except (KeyError, ValueError, re.error) as exc:
        raise ValueError(f"{source}: cue {spec.get('id', '?')}: {exc}") from exc


@lru_cache(maxsize=4)
def default_cues() -> tuple[Cue, ...]:
    path = CUE_DIR / "default.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return tuple(compile_cue(spec, str(path)) for spec in data.get("cue", ()))


def compile_cues(specs: Iterable[dict], source: str) -> tuple[Cue, ...]:
    return tuple(compile_cue(spec, source) for spec in specs)


def split_quoted(run: str) -> list[str]:
    targets = []
    for raw in _QUOTED.findall(run):
        text = clean_label(raw)
        # 「呼量予測/コール予測」 names two alternatives of one concept; an English name keeps its slash.
        parts = [text] if re.fullmatch(r"[A-Za-z0-9 ./&\-]+", text) else [clean_label(p) for p in re.split(r"\s*[/／]\s*", text)]
        targets.extend(p for p in parts if p)
    return targets


def split_list(text: str) -> list[str]:
    """Terms in a listed clause: 「PaaS、IaaS」「認証、承認、アクセス制御」."""
    if _QUOTED.search(text):
        return split_quoted(text)
    out = []
    for item in _LIST_SPLIT.split(text):
        item = _LIST_TAIL.sub("", clean_label(re.sub(r"^[\s:：]+", "", item)))
        if m := re.fullmatch(r"[(（\[](.*)[)）\]]", item):  # 「(PaaS)」: the whole item bracketed
            item = m[1].strip()
        if not item or len(item) > 40 or re.search(r"[。！？]", item):
            continue
        # A link or a path, not a term: [[d:spec/literal]], https://…, docs/glossary.md.
        if re.search(r"[\[\]{}<>]|://", item) or re.fullmatch(r"[\w.\-]+[:/][\w./:\-]+", item):
            continue
        # A clause, not a term: mostly hiragana (「詳しくは後述する」).
        if len(_HIRAGANA.findall(item)) > 0.5 * len(item):
            continue
        out.append(item)
    return out


def _bare_targets(bare: str) -> list[str]:
    bare = clean_label(bare)
    if is_acronym(bare):
        return [bare]
    # 「一次完了率・完結率とも」「オペレーターやコミュニケーターとも」 list several names.
    return [t for t in re.split(r"・|(?<=[ァ-ヶー])や(?=[ァ-ヶ])", bare) if t]


def find_cues(text: str, cues: Sequence[Cue]) -> list[CueMatch]:
    """Every cue match in the text, earlier cues first; a span one cue used is not reused."""
    claimed: list[tuple[int, int]] = []
    out: list[CueMatch] = []
    for cue in cues:
        for m in cue.regex.finditer(text):
            if any(a <= m.start() < b or a < m.end() <= b for a, b in claimed):
                continue
            groups = {k: v for k, v in m.groupdict().items() if v}
            short = clean_label(groups["short"]) if "short" in groups else None
            long = clean_label(groups["long"]) if "long" in groups else None
            if "targets" in groups:
                targets = split_quoted(groups["targets"])
            elif "list" in groups:
                targets = split_list(groups["list"])
            elif "latin" in groups:
                targets = [clean_label(groups["latin"])]
            elif "name" in groups:
                targets = [clean_label(groups["name"])]
            elif "bare" in groups:
                targets = [re.sub(r"^(?:これ|それ|.*?では|.*?は)、?", "", t) for t in _bare_targets(groups["bare"])]
            else:
                targets = [t for t in (short, long) if t]
            targets = [t for t in targets if t]
            if not targets:
                continue
            out.append(CueMatch(cue, m.start(), m.end(), m.group(0), tuple(targets), short, long))
            claimed.append((m.start(), m.end()))
    return sorted(out, key=lambda c: c.start)
