"""Relations a definition states, found by the relation grammar, each with its evidence and cue id.

The cues are data (ingest/cues/default.toml, plus any a profile adds); this module applies them to
an entry's definition, adds what a structured layout states per entry (a 同義語 or 関連語 column),
and what the entry's context states (an article title 「AとBの違い」, a 「Xとの関連用語」 heading).
"""

from __future__ import annotations

import re
from dataclasses import replace

from ingest.grammar import Cue, compile_cues, default_cues, find_cues, reference_patterns
from ingest.profile import Profile, current_profile
from ingest.records import Entry, Relation, RelationKind, SourceSpan, Term
from ingest.terms import clean_label, label_key, parse_name

# Field roles a structured layout gives (ingest/readers/columns.py) and the relation each states.
FIELD_RELATIONS = {
    "synonyms": RelationKind.SYNONYM,
    "abbreviation": RelationKind.ABBREVIATION,
    "related": RelationKind.RELATED,
    "antonyms": RelationKind.ANTONYM,
    "broader": RelationKind.BROADER,
    "expansion": RelationKind.ABBREVIATION,  # the long form the entry's own name abbreviates (正式名称)
}
# A path: rooted (~/, ./, /), two slashes deep, or ending in a file extension; or a URL. Not 「入力/出力」.
_PATH = re.compile(r"(?:~|\.{1,2})?/[\w.\-/*]+|[\w.\-]+(?:/[\w.\-*]+){2,}/?"
                   r"|[\w.\-]+(?:/[\w.\-*]+)*/[\w\-*]+\.[a-z0-9]{1,5}|[a-z][a-z0-9+.\-]*://\S+")
_FIELD_SPLIT = re.compile(r"\s*(?:[、,，;；]|(?<![\u30a1-\u30fa])・|・(?![\u30a1-\u30fa])|／|/)\s*")


def cues_for(profile: Profile | None = None) -> tuple[Cue, ...]:
    """The default grammar followed by the profile's own cues."""
    profile = profile or current_profile()
    extra = profile.section("relations").get("cues", [])
    return default_cues() + (compile_cues(extra, profile.path) if extra else ())


TITLE_COMPARISON = re.compile(r"(?P<a>[^\s、。「」?？]{2,20}?)(?:と(?P<b>[^\s、。「」?？]{2,20}?))?の違い")
TITLE_DIFFERENCE = re.compile(r"(?:[?？]|、)(?P<list>[^?？、。]{2,40}?)との違い")
SECTION_RELATED = re.compile(r"^(?P<target>.+?)との関連用語$")
# What article titles list beside terms: 「…とは?業務内容や…との違い」「意味・役割・メリット」.
TITLE_GENERIC = frozenset({"業務内容", "仕事内容", "役割", "特徴", "意味", "目的", "方法", "種類", "メリット", "デメリット",  # noqa: E501
                           "例文", "使い方", "重要性", "必要性", "導入方法", "ポイント", "仕組み"})


def relations_from_context(entry: Entry, profile: Profile | None = None) -> list[Relation]:
    """Relations stated around the entry: its article title (「AとBの違い」) or its sub-heading."""
    profile = profile or current_profile()
    out = []
    if entry.title:
        title = entry.title
        for prefix in profile.strings("relations", "title_prefixes"):
            title = re.sub(rf"^(?:{prefix})", "", title)
        ignored = set(profile.strings("relations", "title_ignored_targets"))
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
            if (target and target not in ignored) or "との違い" in title:
                out.append(Relation(RelationKind.RELATED, clean_label(target), title, "title-chigai", span, 0.8))
    # 「Xとの関連用語」 heads the bullet items under it, not the next headword after them (003: LTV).
    if (entry.section and entry.layout in ("bullet", "colon") and (m := SECTION_RELATED.match(entry.section))
            and entry.headword_line):
        span = SourceSpan(entry.doc, entry.headword_line, entry.headword_line)
        out.append(Relation(RelationKind.RELATED, clean_label(m["target"]), entry.section, "section-kanren", span,
                            0.85))
    return out


# A line that opens with one of these starts a statement of its own (→継承, ⇔ログアウト, ・関連語：…).
_STATEMENT_START = re.compile(r"^[→⇒⇔↔⟷➡⇨・■●◆※*\-]|^(?:関連|参照|参考|同義|類義|対義|反対|別名|略|上位|下位|cf\.|See)")


def cue_text(entry: Entry) -> tuple[str, list[int]]:
    """The definition as the grammar reads it, and where each of its lines starts.

    Wrapped lines run on (a sentence may wrap anywhere), but a line that ends a sentence or opens a
    statement of its own (→継承) stays on a line of its own, so that cues anchored at a line start see it.
    """
    text, starts = "", []
    lines = [line.strip() for line in entry.definition_lines] or [entry.definition]
    for line in lines:
        if text:
            glue = "\n" if text.endswith(("。", ":", "：", "．")) or _STATEMENT_START.match(line) else ""
            if not glue and re.match(r"[A-Za-z0-9]", line[:1]) and re.search(r"[A-Za-z0-9,.]$", text):
                glue = " "
            text += glue
        starts.append(len(text))
        text += line
    return text, starts


def _line_of(entry: Entry, starts: list[int], offset: int) -> int:
    """Map an offset in the cue text back to its source line."""
    line = 0
    for i, start in enumerate(starts):
        if offset >= start:
            line = i
    return min(entry.span.line_start + line, entry.span.line_end)


def relations_from_fields(entry: Entry) -> list[Relation]:
    """What a structured layout states per entry: a 同義語, 略語, 関連語, 対義語 or 上位語 column."""
    out = []
    line = entry.headword_line or entry.span.line_start
    span = SourceSpan(entry.doc, line, entry.span.line_end)
    for role, value in entry.fields:
        kind = FIELD_RELATIONS.get(role)
        if kind is None:
            continue
        # A file path or an address in the cell (~/.ssh/id_rsa, https://…) names no term.
        items = re.split(r"\s*[、,，;；]\s*", value)
        named = [v for v in items if not _PATH.fullmatch(v.strip("`"))]
        parts = _FIELD_SPLIT.split(value if len(named) == len(items) else "、".join(named)) if named else []
        for part in parts:
            target = clean_label(re.sub(r"^[→⇒⇔↔]\s*", "", part))
            # 「GUI (Graphical User Interface)」: the cell names GUI; the bracket glosses it.
            target = re.sub(r"\s*[(（][^()（）]+[)）]$", "", target) or target
            if target and target != entry.headword:
                # The entry's name is the short form of an expansion field's value (":long" says so).
                pattern = f"field-{role}" + (":long" if role == "expansion" else "")
                out.append(Relation(kind, target, f"{role}: {value}", pattern, span, 0.95))
    return out


def own_names(entry: Entry) -> tuple[str, ...]:
    """The names the entry gives its own term, for cues about it (「A、Bなどの{SELF}」)."""
    parsed = parse_name(entry.headword) if entry.headword else None
    if parsed is None:
        return ()
    return tuple(n for n in (parsed.pref, *(label.text for label in parsed.labels if label.kind.value != "reading"))
                 if len(n) >= 2)


def extract_relations(entry: Entry, profile: Profile | None = None) -> list[Relation]:
    """Every relation the entry states, in text order, without duplicates."""
    profile = profile or current_profile()
    text, starts = cue_text(entry)
    if len(starts) != len(entry.definition_lines):  # a definition given without its lines
        text, starts = entry.definition, [0]
    found: list[tuple[int, Relation]] = []
    own = own_names(entry)
    own_keys = {label_key(n) for n in own}
    for match in find_cues(text, cues_for(profile), own):
        cue = match.cue
        line = _line_of(entry, starts, match.start)
        span = SourceSpan(entry.doc, line, line)
        pattern = f"hedged-{cue.id}" if cue.hedged and not cue.id.startswith("hedged") else cue.id
        if cue.reference and len(match.targets) > 1 and any(label_key(t) in own_keys for t in match.targets):
            # 「参照: 認証、承認、アクセス制御」 under 認証: a glossary never sends a term to itself, so
            # a list naming the entry is the title of a page about several topics, not a list of terms.
            continue
        for target in match.targets:
            if label_key(target) in own_keys and cue.kind is not RelationKind.ABBREVIATION:
                continue  # 「RBACを参照」 under RBAC points at itself
            found.append((match.start, Relation(cue.kind, target, match.evidence, pattern, span, cue.confidence)))
        if match.long and match.short and match.long not in match.targets:
            found.append((match.start, Relation(RelationKind.ABBREVIATION, match.long, match.evidence,
                                                pattern + ":long", span, cue.confidence)))
    found.extend((-1, rel) for rel in relations_from_fields(entry))
    found.extend((len(text) + i, rel) for i, rel in enumerate(relations_from_context(entry, profile)))
    seen: set[tuple[str, str]] = set()
    out = []
    for _, rel in sorted(found, key=lambda item: item[0]):
        key = (rel.kind.value, rel.target)
        if key not in seen:
            seen.add(key)
            out.append(rel)
    return out


_KANJI_KANA = re.compile(r"[\u30a0-\u30ff\u4e00-\u9fff\u3005]+")
_ENGLISH_WORDS = re.compile(r"[A-Za-z][A-Za-z\-]*(?: [A-Za-z][A-Za-z\-]*)+")


def names_a_kind_of_defined(target: str, known, own: tuple[str, ...] = ()) -> bool:
    """A see-reference target that is a compound headed by a defined term names a term, not a page.

    Japanese and English compounds are right-headed: 「リアクティブエフェクト」 under a glossary that
    defines エフェクト, 「variable annotation」 where annotation is defined, are kinds of what the
    glossary defines, though it does not define them itself. A page title is no such compound: it has
    particles or spaces (「Apache の環境変数」「SSL/TLS 暗号化」) or its head is no term. A compound
    whose modifier is the entry's own name (`own`) is about the entry, a page of its own (「バゲッジ仕様」
    under バゲッジ, where 仕様 is defined), no other term. `known` holds label keys (label_key).
    """
    text = re.sub(r"\s*[(（][^)）]*[)）]", "", target).strip()
    if _ENGLISH_WORDS.fullmatch(text):
        words = text.split(" ")
        # 「text file」 under 「binary file」: a sibling kind, with the head of the entry's own name.
        if any(_ENGLISH_WORDS.fullmatch(n) and n.split(" ")[-1].lower() == words[-1].lower()
               and label_key(n) != label_key(text) for n in own):
            return True
        splits = [(" ".join(words[:i]), " ".join(words[i:])) for i in range(1, len(words))]
    elif _KANJI_KANA.fullmatch(text):
        splits = [(text[:i], text[i:]) for i in range(1, len(text) - 1)]
    else:
        return False
    own_keys = [label_key(n) for n in own]
    return any(label_key(head) in known and not any(label_key(modifier) in n for n in own_keys)
               for modifier, head in splits)


def stated_targets(terms: list[Term], references: frozenset[str]) -> set[str]:
    """Label keys of what the glossary's own statements (not its see-references) name as terms.

    「ネットワークプラグインの一種」 names ネットワークプラグイン as a class, so a 「ネットワークプラグイン
    を参照」 in the same glossary points at that term, not at a page, though no entry defines it.
    """
    return {label_key(rel.target) for t in terms for rel in t.relations if rel.pattern not in references}


def defined_references_only(terms: list[Term], profile: Profile | None = None) -> list[Term]:
    """Terms without see-references to anything the terms read together do not define.

    Linking does the same across every glossary of a build (ingest/linking.py); this is the
    per-document view the extraction evaluation scores.
    """
    references = reference_patterns(cues_for(profile))
    known = {label_key(t.pref_label) for t in terms} | {label_key(lb.text) for t in terms for lb in t.labels}
    known |= stated_targets(terms, references)

    def defined(rel: Relation, t: Term) -> bool:
        # The whole target, as written (with or without its bracketed gloss): 「SSL/TLS 暗号化」 is not SSL.
        return bool({label_key(rel.target), label_key(re.sub(r"\s*[(（][^)）]*[)）]", "", rel.target))} & known) \
            or names_a_kind_of_defined(rel.target, known, own_names(t.entry))

    return [replace(t, relations=tuple(r for r in t.relations if r.pattern not in references or defined(r, t)))
            for t in terms]
