"""The relation grammar: cue tables (TOML data) compiled into patterns, and what they match.

`ingest/cues/default.toml` holds how Japanese glossaries state relations, with no domain word;
a profile may add cues of its own (`[[relations.cues]]`, same fields). This module expands the
macros ({Q}, {NAME}, {LATIN}, {LIST}, {TERMS}, {TERMS2}, {BARE}, {SELF}), compiles each cue once, and
turns a match into target terms: a quoted run is split on its brackets, a list on 、・ and commas, an
enumerated block into the names its items open with, and a kind-of cue's name into the noun phrase
the text names as the class.
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
# Okurigana inside a compound (計装済みライブラリ, 受付窓口, 捨て仮名): one kana between a kanji and a name char.
_OKURIGANA = r"(?<=[\u4e00-\u9fff])[みきりけいしちえれて](?=[\u4e00-\u9fff\u30a0-\u30ff])"
_NAME = rf"[A-Za-z\u30a0-\u30ff\u4e00-\u9fff\u3005](?:[{_NAME_CHARS}・\-]|{_OKURIGANA}){{1,29}}"
# One listed term: quoted, code or Latin (a few words), or an unquoted name, with an optional
# bracketed gloss (ASP(Application Service Provider), 拡張ライブラリー（extension library）).
_TERM = (r"(?:(?:[「『][^「」『』]{1,40}[」』]|`?(?<![A-Za-z0-9])[A-Za-z][A-Za-z0-9.\-_]*(?: [A-Za-z0-9][A-Za-z0-9.\-_]*){0,4}(?:\(\))?`?|"  # noqa: E501
         rf"(?<![{_NAME_CHARS}])[\u30a0-\u30ff\u4e00-\u9fff\u3005](?:[{_NAME_CHARS}・\-]|{_OKURIGANA}){{1,29}})"
         r"(?:\s*[(（][^()（）]{1,40}[)）])?)")
MACROS = {
    # A run of quoted targets: 「A」「B」、『C』 — the last closing bracket is often lost in scraping.
    "Q": r"(?P<targets>(?:[「『][^「」『』。\n]{1,60}(?:[」』]|(?=[「『])|$)\s*(?:[、・とや,]\s*|および|及び|または)?)+)",  # noqa: E501
    # One unquoted term (ウォーターフォール開発, DX): no particles, bounded on the left.
    # Several names joined by や or 、 (オペレーターやコミュニケーター) are one match, split later.
    "NAME": rf"(?<![{_NAME_CHARS}])(?P<name>{_NAME}(?:(?:や|、|，|,\s?){_NAME})*)",
    # An English phrase (Software as a Service).
    "LATIN": r"(?<![A-Za-z])(?P<latin>[A-Za-z][A-Za-z0-9 .&'/\-]{1,80})",
    # The rest of the clause, a list of terms.
    "LIST": r"(?P<list>[^。\n]{1,200})",
    # Several terms listed: quoted, code, Latin or unquoted names joined by 、 , ・ や および.
    "TERMS": rf"(?P<list>{_TERM}(?:\s*(?:、|,|，|・|や|および|及び|と|または|もしくは)\s*{_TERM})*)",
    # At least two terms joined by list punctuation (、 , ・): an enumeration, not one name.
    "TERMS2": rf"(?P<list>{_TERM}(?:\s*(?:、|,|，|・)\s*{_TERM})+)",
    # A term written without brackets, possibly with a bracketed gloss (older cue tables).
    "BARE": r"(?P<bare>[^\s、。「」『』(（]{2,30}?(?:[(（][^)）]{1,40}[)）])?)",
}
_QUOTED = re.compile(r"[「『]([^「」『』]+)")
# ・ separates list items, except inside a katakana compound (ワーク・ライフ・バランス).
# A slash is no list separator: 「SSL/TLS 暗号化」 is one title, 「入力/出力」 one name.
_LIST_SPLIT = re.compile(r"\s*(?:[、,，;；]|(?<![\u30a1-\u30fa])・|・(?![\u30a1-\u30fa])|および|及び|または|又は|"
                         r"もしくは|(?<=[^\u3041-\u3096\s])や(?=[^\u3041-\u3096\s]))\s*")
# 「A、Bについても参照」: について marks the topic of the page to see, not part of the name.
_LIST_TAIL = re.compile(r"\s*(?:など|等|について|を参照|も参照|参照|の項|などがある|がある|が挙げられる|です|である)?"
                        r"[。.\s]*$")
_HIRAGANA = re.compile(r"[\u3041-\u3096]")
# An enumerated item that opens with its name: 「キーワード引数: …」「ロ　審査基準（…）」「b) 位置引数 (…)」.
_ITEM = re.compile(rf"(?:^|[イロハニホヘトチリヌルヲ]\u3000|(?<![A-Za-z])[a-z][)）]|[0-9０-９]+[.)）．])[\s\u3000]*"
                   rf"(?P<name>[A-Za-z\u30a0-\u30ff\u4e00-\u9fff\u3005][{_NAME_CHARS}・\-]{{0,29}})\s*[:：（(]")


def item_names(block: str) -> list[str]:
    """Names opening the enumerated items of a block, line by line until a line that is no item."""
    names: list[str] = []
    for line in block.split("\n"):
        found = [m["name"] for m in _ITEM.finditer(line.strip())]
        if not found:
            break
        names += found
    return names


@dataclass(frozen=True)
class Cue:
    id: str
    kind: RelationKind
    regex: re.Pattern[str] | None  # None for a cue about the entry's own term: compiled per entry
    confidence: float = 0.95
    hedged: bool = False
    examples: tuple[tuple[str, tuple[str, ...]], ...] = field(default=(), compare=False)
    template: str | None = None  # the expanded pattern with {SELF} left in it
    # A see-reference (参照, →, cf.): it names a term only when the glossary defines it; otherwise it
    # points at a page or a document, which is no concept relation (linking drops it).
    reference: bool = False
    family: str = ""  # the construction this cue is a surface form of (defaults to its id)
    term_list: bool = False  # its list is matched term by term ({TERMS}, {TERMS2})
    topic: bool = False  # holds only of the entry: not in a sentence whose topic is something else
    initials: bool = False  # an English target must spell an acronym among the entry's own names
    self_term: str | None = field(default=None, compare=False)  # the term the examples are about
    # Sets of strings: every match contains one string of each set (required_literals). A text
    # lacking one set is not tried at all: most definitions state no relation, and the regexes
    # tried at every character were half of a 50k-entry ingest.
    needles: tuple[tuple[str, ...], ...] = field(default=(), compare=False)

    def pattern_for(self, names: tuple[str, ...]) -> re.Pattern[str] | None:
        if self.regex is not None:
            return self.regex
        if not names or self.template is None:
            return None
        return _self_pattern(self.template, names)


@lru_cache(maxsize=4096)
def _self_pattern(template: str, names: tuple[str, ...]) -> re.Pattern[str]:
    # The entry's own names, longest first; a space inside may be written or not.
    alternatives = "|".join(re.escape(n).replace("\\ ", "\\s*") for n in sorted(set(names), key=len, reverse=True))
    return re.compile(template.replace("{SELF}", f"(?:{alternatives})"))


# Cues about the entry's own term without a pattern compiled per entry. Compiling a cue with the names
# spelled into it costs ~10 ms (its {TERMS} character classes), per entry and cue: an hour for a 50k-entry
# glossary. Instead the cue is compiled once with {SELF} as a back-reference into a list of the entry's
# names appended to the text after a separator: the longest name at a position, as the alternation of
# names (longest first) takes it. The text is matched with the list appended, which changes no match
# unless the pattern can see the end of the text or run into the list; those cases, and names whose
# spaces match any spacing, keep the spelled-out pattern.
_LIST_START, _ITEM_END = "\ue000", "\ue001"
_SEES_THE_END = re.compile(r"\$|\\Z|\(\?[=!]|\(\?[a-zA-Z]*i")


# A one-character lookahead whose class matches neither separator sees the list as it sees the end of
# the text (fails or succeeds alike), as in 「…[みき](?=[漢字カナ])」.
_CLASS_LOOKAHEAD = re.compile(r"\(\?[=!](\[(?:\\.|[^\]\\])+\])\)")


def _blind_to_the_list(lookahead: re.Match[str]) -> str:
    char_class = re.compile(lookahead[1])
    return "" if not (char_class.match(_LIST_START) or char_class.match(_ITEM_END)) else lookahead[0]


@lru_cache(maxsize=64)
def _self_by_reference(template: str) -> re.Pattern[str] | None:
    if _SEES_THE_END.search(_CLASS_LOOKAHEAD.sub(_blind_to_the_list, template)):
        return None
    name = (f"(?P<_self>[^{_LIST_START}{_ITEM_END}]+)"
            f"(?=[^{_LIST_START}]*{_LIST_START}(?:[^{_ITEM_END}]*{_ITEM_END})*?(?P=_self){_ITEM_END})")
    return re.compile(template.replace("{SELF}", name))


def _self_matches(cue: Cue, text: str, names: tuple[str, ...]) -> Iterable[re.Match[str]]:
    regex = _self_by_reference(cue.template) if cue.template is not None else None
    if regex is None or any(c in text for c in (_LIST_START, _ITEM_END)) \
            or any(re.search(rf"[\s{_LIST_START}{_ITEM_END}]", n) for n in names):
        spelled = cue.pattern_for(names)
        return spelled.finditer(text) if spelled is not None else ()
    present = sorted({n for n in names if n and n in text})
    if not present:  # the alternation of literal names matches nowhere
        return ()
    listed = text + _LIST_START + "".join(n + _ITEM_END for n in present)
    if (cue.template or "").startswith("{SELF}"):
        # A match starts where a name does: try those places only, as finditer would (left to right,
        # resuming after each match), instead of trying the back-reference at every character.
        matches, resume = [], 0
        for start in sorted({i for n in present for i in _occurrences(text, n)}):
            if start >= resume and (m := regex.match(listed, start)):
                matches.append(m)
                resume = m.end()
    else:
        matches = list(regex.finditer(listed))
    if any(m.end() > len(text) for m in matches):  # ran into the list: match the text alone
        spelled = cue.pattern_for(names)
        return spelled.finditer(text) if spelled is not None else ()
    return matches


def _occurrences(text: str, name: str) -> Iterable[int]:
    i = text.find(name)
    while i >= 0:
        yield i
        i = text.find(name, i + 1)


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
        pattern = re.sub(r"\{(Q|NAME|LATIN|LIST|BARE|TERMS2|TERMS)\}", lambda m: MACROS[m[1]], spec["pattern"])
        examples = tuple((e["text"], tuple(e.get("targets", ()))) for e in spec.get("examples", ()))
        about_self = "{SELF}" in pattern
        if about_self:
            _self_pattern(pattern, ("検査",))  # fail now on a bad pattern, not on the first entry
        return Cue(spec["id"], RelationKind(spec["kind"]), None if about_self else re.compile(pattern),
                   float(spec.get("confidence", 0.95)), bool(spec.get("hedged", False)), examples,
                   template=pattern if about_self else None, self_term=spec.get("term"),
                   reference=bool(spec.get("reference", False)), family=spec.get("family", spec["id"]),
                   term_list=bool(re.search(r"\{TERMS2?\}", spec["pattern"])), topic=bool(spec.get("topic", False)),
                   initials=bool(spec.get("initials", False)),
                   # The entry's names may be anything: {SELF} requires nothing of the text.
                   needles=required_literals(pattern.replace("{SELF}", "(?:.+)")))
    except (KeyError, ValueError, re.error) as exc:
        raise ValueError(f"{source}: cue {spec.get('id', '?')}: {exc}") from exc


# How many alternatives a requirement may have before testing them costs more than the regex.
_MAX_NEEDLES = 12


def required_literals(pattern: str) -> tuple[tuple[str, ...], ...]:
    """Sets of strings such that every match of the pattern contains one string of each set; the
    longest strings first, none where nothing can be said.

    Read from the parsed pattern: a run of literal characters in the main sequence is required, a
    group or a repeat of at least one carries its body's requirement, a branch requires one of its
    arms' and a small character class one of its characters. Assertions, optional parts and
    case-insensitive patterns require nothing.
    """
    try:
        parsed = re._parser.parse(pattern)  # type: ignore[attr-defined]
    except re.error:
        return ()
    if parsed.state.flags & re.IGNORECASE:
        return ()
    return tuple(sorted(_requirements(list(parsed)), key=lambda needles: (-min(map(len, needles)), len(needles))))


def _requirements(items: list) -> list[tuple[str, ...]]:
    """Every requirement of a sequence of parsed items (each a set of alternatives)."""
    constants = re._constants  # type: ignore[attr-defined]
    candidates: list[tuple[str, ...]] = []
    run: list[str] = []
    for op, av in [*items, (None, None)]:
        if op is constants.LITERAL:
            run.append(chr(av))
            continue
        if run:
            candidates.append(("".join(run),))
            run = []
        if op is constants.SUBPATTERN:
            if not av[1] & re.IGNORECASE:  # (?i:…) matches its literals in either case
                candidates += _requirements(list(av[-1]))
        elif op in (constants.MAX_REPEAT, constants.MIN_REPEAT, constants.POSSESSIVE_REPEAT) and av[0] >= 1:
            candidates += _requirements(list(av[2]))
        elif op is constants.BRANCH:
            # One of the arms matched: its best requirement, one alternative per arm.
            arms = [_requirements(list(arm)) for arm in av[1]]
            if all(arms):
                found = tuple(dict.fromkeys(n for arm in arms for n in min(arm, key=len)))
                if len(found) <= _MAX_NEEDLES:
                    candidates.append(found)
        elif op is constants.IN and all(kind is constants.LITERAL for kind, _ in av) and len(av) <= _MAX_NEEDLES:
            candidates.append(tuple(chr(c) for _, c in av))
    return candidates


@lru_cache(maxsize=4)
def default_cues() -> tuple[Cue, ...]:
    path = CUE_DIR / "default.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return tuple(compile_cue(spec, str(path)) for spec in data.get("cue", ()))


def reference_patterns(cues: Iterable[Cue]) -> frozenset[str]:
    """Pattern ids of see-reference cues, whose targets count only when the glossary defines them."""
    return frozenset(cue.id for cue in cues if cue.reference)


def compile_cues(specs: Iterable[dict], source: str) -> tuple[Cue, ...]:
    return tuple(compile_cue(spec, source) for spec in specs)


def split_quoted(run: str) -> list[str]:
    targets: list[str] = []
    for raw in _QUOTED.findall(run):
        text = clean_label(raw)
        # 「呼量予測/コール予測」 names two alternatives of one concept; an English name keeps its slash.
        if re.fullmatch(r"[A-Za-z0-9 ./&\-]+", text):
            parts = [text]
        else:
            parts = [clean_label(p) for p in re.split(r"\s*[/／]\s*", text)]
        targets.extend(p for p in parts if p)
    return targets


def split_list(text: str, and_joins: bool = False) -> list[str]:
    """Terms in a listed clause: 「PaaS、IaaS」「認証、承認、アクセス制御」.

    `and_joins`: the list was matched term by term ({TERMS}), so a と between two names joins them
    (「リアクティブエフェクトと副作用」); in free text (「AとBの違い」) it may belong to the phrase.
    """
    if _QUOTED.search(text):
        return split_quoted(text)
    text = re.sub(r"(?<=[A-Za-z0-9)）`])\s+(?:や|と)\s+(?=[A-Za-z0-9(（`])", "、", text)  # PostgreSQL や MySQL
    if and_joins:
        text = re.sub(rf"(?<=[{_NAME_CHARS})）」』`])\s*と\s*(?=[{_NAME_CHARS}(（「『`])", "、", text)
    out = []
    for item in _LIST_SPLIT.split(text):
        item = _LIST_TAIL.sub("", clean_label(re.sub(r"^[\s:：]+", "", item)))
        if m := re.fullmatch(r"[(（\[](.*)[)）\]]", item):  # 「(PaaS)」: the whole item bracketed
            item = m[1].strip()
        item = re.sub(r"\(\)$", "", item.strip("`"))  # `defineProps()` names the function defineProps
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


# The head noun of a longer phrase: 「テキストのパターンを表現する方式の一つ」 states no term 「方式」
# (a kind-of cue takes the whole phrase instead, _kind_phrase).
_CLAUSE_END = re.compile(r"[るたいなだ]\s*$")
# 「テキストファイルのフォーマットのひとつ」: a kind named after の or と heads a longer noun phrase,
# whose whole is the broader concept; the head alone would be a wrong one.
_NOUN_PHRASE = re.compile(r"[のと]\s*$")
# A verb or adjective ending a clause that modifies the next noun (埋め込む技術, 作成された標準).
_MODIFIER_END = re.compile(r"[うくすつぬむるぐぶたいなだ]\s*$")
# Names joined into one noun phrase before a head: 「XML エンティティ」「HTTP リクエストと応答」.
_NAME_CHAIN = re.compile(rf"(?:(?<![{_NAME_CHARS}\-])[{_NAME_CHARS}\-]+(?:[ \u3000]+|[のと](?=[{_NAME_CHARS}]|$)))+$")
# Where a noun phrase under a modifying clause starts: the sentence, a comma, a topic (は), or a purpose clause
# before it (「…使用できるようにするために FIDO により作成された標準」).
_PHRASE_START = re.compile(r"(?:^|[。、，,\n]|ために|ように|は)\s*")


def _kind_phrase(text: str, start: int, name: str) -> str | None:
    """The class a kind-of cue names, ending in `name` at `start`: the name, the names chained to it
    (「XML エンティティ」), or under a modifier the whole noun phrase (「テキストのパターンを表現する方式」),
    which is what the text says the term is a kind of. None when no phrase of a term's length is found."""
    before = text[:start]
    if chain := _NAME_CHAIN.search(before):
        return chain[0] + name
    if not (_NOUN_PHRASE.search(before) or (_MODIFIER_END.search(before) and len(name) <= 3)):
        return name
    opening = max((m.end() for m in _PHRASE_START.finditer(before)), default=0)
    phrase = before[opening:] + name
    return phrase if len(phrase) <= 40 else None


# A statement the clause denies or warns against states nothing: 「properties の略語として使用することは
# 避けてください」「Xの一種ではない」.
_NEGATED = re.compile(r"[^、。\n]{0,20}?(?:ではない|ではありません|ではなく|でない|じゃない|[はを]避け|は誤り|は誤用)")


# The topic of the sentence a statement is in: 「setup() 関数は …の一部」 (not 「技術的には」「では」).
_TOPIC = re.compile(r"(?P<topic>[^\s、。]+?)\s*(?<![にで])は")
_PRONOUN_TOPIC = re.compile(r"^(?:これ|それ|この|その|本|当)")


def _other_topic(before: str, self_names: tuple[str, ...]) -> bool:
    """Whether the sentence ending in `before` is about something other than the entry."""
    sentence = re.split(r"[。\n]", before)[-1]
    topic = next((m["topic"] for m in _TOPIC.finditer(sentence)), None)
    if topic is None or _PRONOUN_TOPIC.match(topic):
        return False
    return not any(name in topic for name in self_names)


_STOPWORDS = frozenset({"a", "an", "the", "of", "for", "and", "to", "in", "on", "by", "with"})


def spells(acronym: str, phrase: str) -> bool:
    """Whether the words of `phrase` (and the capitals inside them) spell `acronym` in order:
    Classless Inter-Domain Routing -> CIDR, HyperText Transfer Protocol (Secure) -> HTTPS."""
    letters = [c for c in acronym.upper() if c.isalpha()]
    words = [w for part in re.findall(r"[A-Za-z]+", phrase) for w in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])", part)]
    if not letters or len(words) < 2:
        return False
    i = 0
    for word in words:
        if i < len(letters) and word[0].upper() == letters[i]:
            i += 1
        elif word.lower() not in _STOPWORDS:
            return False
    return i == len(letters)


def _spelled_out(target: str, self_names: tuple[str, ...]) -> bool:
    return not re.fullmatch(r"[A-Za-z0-9 .,&'()/\-]+", target) or any(
        is_acronym(n) and spells(n, target) for n in self_names)


# A bracket opened right after a name glosses that name: 「一意の ID（別名「SHA」）」 says SHA is another
# name of the ID, not of the entry.
_GLOSSED = re.compile(rf"(?P<noun>[{_NAME_CHARS}・\-]+)\s*[（(]\s*$")


def _glosses_another(before: str, self_names: tuple[str, ...]) -> bool:
    """Whether a statement starting after `before` sits in a bracket glossing a name other than the entry's."""
    glossed = _GLOSSED.search(before)
    if glossed is None or not self_names:
        return False
    noun = glossed["noun"]
    return not any(name and (name in noun or noun in name) for name in self_names)


def find_cues(text: str, cues: Sequence[Cue], self_names: tuple[str, ...] = ()) -> list[CueMatch]:
    """Every cue match in the text, earlier cues first; a span one cue used is not reused.

    `self_names` are the entry's own names, for cues about it (「A、Bなどの{SELF}」).
    """
    claimed: list[tuple[int, int]] = []
    out: list[CueMatch] = []
    for cue in cues:
        if not all(any(needle in text for needle in needles) for needles in cue.needles):
            continue
        if cue.regex is not None:
            matches: Iterable[re.Match[str]] = cue.regex.finditer(text)
        elif self_names:
            matches = _self_matches(cue, text, self_names)
        else:
            continue
        for m in matches:
            if any(a <= m.start() < b or a < m.end() <= b for a, b in claimed) or _NEGATED.match(text, m.end()):
                continue
            if cue.topic and _other_topic(text[:m.start()], self_names):
                continue
            if _glosses_another(text[:m.start()], self_names):
                continue
            groups = {k: v for k, v in m.groupdict().items() if v}
            short = clean_label(groups["short"]) if "short" in groups else None
            long = clean_label(groups["long"]) if "long" in groups else None
            # Every group the match filled gives targets: 「ソフトウェア開発キット（Software Development
            # Kit）の略」 names the long form in both languages.
            targets: list[str] = []
            if "targets" in groups:
                targets += split_quoted(groups["targets"])
            if "list" in groups:
                targets += split_list(groups["list"], and_joins=cue.term_list)
            # A kind-of cue names the noun phrase the text gives as the class (「…を埋め込む技術」);
            # elsewhere a short generic head under a clause names nothing, a longer name keeps its place.
            before = text[:m.start("name")] if "name" in groups else ""
            if "name" in groups and cue.kind is RelationKind.BROADER and m.start("name") == m.start():
                phrase = _kind_phrase(text, m.start("name"), groups["name"])
                targets += [clean_label(phrase)] if phrase else []
            elif "name" in groups and (cue.kind is RelationKind.BROADER
                                       or not (_CLAUSE_END.search(before) and len(groups["name"]) <= 3)):
                targets += split_list(groups["name"])
            if "items" in groups:
                targets += item_names(groups["items"])
            if "latin" in groups:
                targets.append(clean_label(groups["latin"]))
            if "bare" in groups:
                targets += [re.sub(r"^(?:これ|それ|.*?では|.*?は)、?", "", t) for t in _bare_targets(groups["bare"])]
            if not targets:
                targets = [t for t in (short, long) if t]
            targets = [t for t in targets if t]
            if cue.initials:  # 「CIDR(Classless Inter-Domain Routing)」: an expansion of the entry's acronym
                targets = [t for t in targets if _spelled_out(t, self_names)] \
                    if any(is_acronym(n) for n in self_names) else []
            if not targets:
                continue
            out.append(CueMatch(cue, m.start(), m.end(), m.group(0), tuple(targets), short, long))
            claimed.append((m.start(), m.end()))
    return sorted(out, key=lambda c: c.start)
