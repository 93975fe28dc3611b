"""Entries whose parts are labelled: a heading per term, then `**定義**: …`, `**関連用語**: …` lines.

Project and API glossaries often write each entry as a small record:

    ### 請求明細 (CreditCardStatement)
    **定義**: カード会社が月次で発行する請求確定額を記録するエンティティ。
    **関連用語**: statementGap, 誤差ゼロ管理
    **英語表記**: Credit Card Statement

The bold leads there are field labels, not terms: a glossary defines a term once, so a lead that
comes back under heading after heading labels a part of each entry. The labels get roles by the
names a table header would use (ingest/readers/columns.py): definition parts make the definition,
relation parts (関連用語, 同義語, 略語…) become the entry's fields, English and full names join the
headword as other names, and the rest (実装箇所, 例, 公式サイト) stay out of the definition.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.markup import join_lines
from ingest.readers.columns import header_role, with_other_names
from ingest.records import Entry, SourceSpan

# The long form of an abbreviation given as a part of its entry (「正式名称: Row Level Security」).
_FULL_NAME = re.compile(r"^(?:正式名称|正式名|正式表記|フルネーム|full ?name|expansion|stands ?for|long ?form)$",
                        re.IGNORECASE)
# Roles whose values are relations of the entry (the rest of ingest reads them from Entry.fields).
RELATION_ROLES = frozenset({"synonyms", "abbreviation", "related", "antonyms", "broader", "category"})
# A label that names no part of an entry: the lead of a real term.
_NOT_A_PART = frozenset({"term"})


@dataclass(frozen=True, slots=True)
class Part:
    """One labelled part of an entry: its label, its text and its source lines."""

    label: str
    text: str
    start: int
    end: int


def normalised_label(label: str) -> str:
    """A part label as compared: NFKC, one space, no trailing colon."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", label)).strip().rstrip(":：").strip()


def part_role(label: str) -> str:
    """The role of a part by its label: a column role, "expansion" for a full name, else "other"."""
    label = normalised_label(label)
    if _FULL_NAME.match(label):
        return "expansion"
    return header_role(label) or "other"


def field_labels(leads: Sequence[str], min_repeats: int = 3) -> frozenset[str]:
    """The bold leads of a document that label parts of entries rather than name terms.

    A lead that comes back `min_repeats` times is a label (a glossary defines a term once); one that
    comes back twice is a label when a table header would give it a role other than the term's.
    """
    counts = Counter(normalised_label(lead) for lead in leads if lead.strip())
    return frozenset(lead for lead, n in counts.items()
                     if n >= min_repeats or (n >= 2 and header_role(lead) not in (None, *_NOT_A_PART)))


def is_field_label(lead: str | None, labels: frozenset[str] | set[str]) -> bool:
    return lead is not None and normalised_label(lead) in labels


_BRACKETED = re.compile(r"^(?P<name>.*?)\s*[(（](?P<inner>[^()（）]+)[)）]\s*$")


def _folded(text: str) -> str:
    return re.sub(r"[\s_\-]", "", unicodedata.normalize("NFKC", text)).casefold()


def _with_names(head: str, names: Sequence[str], readings: Sequence[str]) -> str:
    """The heading with the names its parts give: 「請求明細 (CreditCardStatement)」 and "Credit Card
    Statement" are one bracket of other names, the same name written apart counted once."""
    names = [n for part in names for n in re.split(r"\s+/\s+|\s*／\s*", part) if n.strip()]
    if (m := _BRACKETED.match(head)) and m["name"]:
        inner = m["inner"].strip()
        extra = [n for n in names if _folded(n) != _folded(inner) and _folded(n) != _folded(m["name"])]
        return with_other_names(m["name"], [inner, *extra], readings)
    return with_other_names(head, [n for n in names if _folded(n) != _folded(head)], readings)


def fielded_entry(doc: str, head: str, head_line: int, parts: Sequence[Part], unlabelled: Sequence[Part],
                  section: str | None, layout: str) -> Entry | None:
    """The entry a heading and its labelled parts state; None when no part says what the term is.

    `unlabelled` paragraphs under the heading count as definition only when no part is labelled as one.
    """
    by_role: dict[str, list[Part]] = {}
    for part in parts:
        by_role.setdefault(part_role(part.label), []).append(part)
    defining = by_role.get("definition", []) or by_role.get("note", []) or list(unlabelled)
    definition = join_lines([line for p in defining for line in p.text.split("\n") if line.strip()])
    names = [p.text for role in ("english", "translation") for p in by_role.get(role, [])]
    readings = [p.text for p in by_role.get("reading", [])]
    if not head.strip() or not (definition or names or by_role.get("expansion")):
        return None
    fields = tuple((role, part.text) for role in sorted(RELATION_ROLES) for part in by_role.get(role, [])
                   if role != "category")
    # A full name (正式名称: Row Level Security) is what the heading abbreviates; the heading stays the
    # glossary's name for the term, as in a 略語 column.
    fields += tuple(("expansion", part.text) for part in by_role.get("expansion", []))
    category = by_role["category"][0].text if by_role.get("category") else section
    everything = [*parts, *unlabelled]
    start = min((p.start for p in defining), default=min(p.start for p in everything))
    end = max(p.end for p in everything)
    return Entry(doc, _with_names(head.strip(), names, readings), head_line, definition,
                 tuple(p.text for p in defining), SourceSpan(doc, start, end), category, layout, None, fields)
