"""Glossaries kept as data: JSON and YAML files (a site's `_data/glossary.yml`, an app's `glossary.json`).

Three shapes cover what projects write:

- a list of records: `[{"term": "キャッシュ", "reading": "きゃっしゅ", "description": "…", "related": […]}]`;
- a mapping from the term to its record: `キャッシュ: {definition: …, synonyms: […]}`;
- a mapping from the term to its definition: `キャッシュ: 一時的に保存しておく仕組み。`;

each possibly inside a wrapper (`{"glossary": {"terms": […]}}`): the largest collection is the
glossary. Record keys get roles by the names a table header would use (ingest/readers/columns.py),
so `relatedTerms`, `同義語` and `english` mean what they mean in a CSV. Every entry keeps the source
lines of its record (PyYAML's node marks; JSON is read as YAML, which it is).
"""

from __future__ import annotations

import re
from functools import lru_cache

import yaml

from ingest.readers.base import Detection, DryRunReader, Reading, fit_score, suffix
from ingest.readers.columns import Row, entries_from_rows, header_role
from ingest.records import Document, Entry

DATA_SUFFIXES = frozenset({"json", "yaml", "yml"})
# camelCase and snake_case keys (relatedTerms, see_also) read as the words a header would use.
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
# Keys that name the record's term in data files, beyond the header names a table uses.
_TERM_KEYS = frozenset({"title", "id", "key", "slug"})


def key_role(key: str) -> str | None:
    """The column role of a record key: 「同義語」, "synonyms", "relatedTerms" and "see_also" all count."""
    words = _CAMEL.sub(" ", key).replace("_", " ").replace("-", " ").strip()
    role = header_role(key) or header_role(words) or header_role(words.replace(" ", ""))
    if role is None and words.lower().endswith(" terms"):  # relatedTerms -> related
        role = header_role(words[: -len(" terms")])
    if role is None and words.lower() in _TERM_KEYS:
        return "term"
    return role


def _text(node: yaml.Node) -> str | None:
    """A scalar's text, or a list of scalars joined the way a table cell lists them."""
    if isinstance(node, yaml.ScalarNode):
        return str(node.value).strip() or None
    if isinstance(node, yaml.SequenceNode):
        items = [str(n.value).strip() for n in node.value if isinstance(n, yaml.ScalarNode) and str(n.value).strip()]
        return "、".join(items) or None
    return None


# A definition is prose: Japanese text, or several words. `version: 1.0.0` and `test: jest` are settings.
_JAPANESE = re.compile(r"[\u3041-\u30ff\u4e00-\u9fff]")


def _prose(text: str) -> bool:
    return len(text) >= 4 and (_JAPANESE.search(text) is not None or len(text.split()) >= 3)


def _lines(node: yaml.Node) -> tuple[int, int]:
    """1-based first and last line of a node (the end mark sits after it)."""
    start, end = node.start_mark.line + 1, node.end_mark.line + 1
    if node.end_mark.column == 0 and end > start:
        end -= 1
    return start, end


def _row_of_record(record: yaml.MappingNode, name: yaml.ScalarNode | None) -> tuple[list[str], Row] | None:
    """Roles and cells of one record; `name` is the mapping key that names it, if any."""
    roles: list[str] = []
    cells: list[str] = []
    for key_node, value_node in record.value:
        if not isinstance(key_node, yaml.ScalarNode):
            continue
        text = _text(value_node)
        role = key_role(str(key_node.value))
        if text is None or role is None:
            continue
        roles.append(role if role not in roles or role == "other" else "other")
        cells.append(text)
    if name is not None and "term" not in roles:
        roles.insert(0, "term")
        cells.insert(0, str(name.value).strip())
    if "term" not in roles:
        return None
    start, end = _lines(record)
    if name is not None:
        start = min(start, name.start_mark.line + 1)
    return roles, Row(tuple(cells), start, end)


def _collections(node: yaml.Node, depth: int = 0) -> list[yaml.Node]:
    """Every list or mapping in the document that could hold the entries, outermost first."""
    if depth > 4:
        return []
    out: list[yaml.Node] = []
    if isinstance(node, (yaml.SequenceNode, yaml.MappingNode)):
        out.append(node)
    children = node.value if isinstance(node, yaml.SequenceNode) else (
        [v for _, v in node.value] if isinstance(node, yaml.MappingNode) else [])
    for child in children:
        if isinstance(child, (yaml.SequenceNode, yaml.MappingNode)):
            out.extend(_collections(child, depth + 1))
    return out


def _entries_of(doc: Document, node: yaml.Node) -> list[Entry]:
    rows: list[tuple[list[str], Row]] = []
    if isinstance(node, yaml.SequenceNode):
        rows = [r for item in node.value if isinstance(item, yaml.MappingNode) and (r := _row_of_record(item, None))]
    elif isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            if isinstance(value_node, yaml.MappingNode):
                if found := _row_of_record(value_node, key_node):
                    rows.append(found)
            elif isinstance(value_node, yaml.ScalarNode) and (text := _text(value_node)) and _prose(text):
                start, _ = _lines(key_node)
                _, end = _lines(value_node)
                rows.append((["term", "definition"], Row((str(key_node.value).strip(), text), start, end)))
    out: list[Entry] = []
    for roles, row in rows:
        out.extend(entries_from_rows(doc.name, [row], roles, "data-records"))
    return out


@lru_cache(maxsize=16)
def _read(doc: Document) -> tuple[Reading, Detection]:
    evidence = 1.0
    if suffix(doc) not in DATA_SUFFIXES:
        return Reading([], [], "data"), Detection(0.0, ("not a .json, .yaml or .yml file",))
    try:
        root = yaml.compose("\n".join(doc.lines))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return Reading([], [], "data"), Detection(0.0, (f"not valid {suffix(doc).upper()}: {where}{problem}",))
    if root is None:
        return Reading([], [], "data"), Detection(0.0, ("empty document",))
    # The glossary is the collection that yields the most entries (a wrapper holds one).
    best: list[Entry] = []
    for node in _collections(root):
        found = _entries_of(doc, node)
        if len(found) > len(best):
            best = found
    used = {n for e in best for n in range(e.span.line_start, e.span.line_end + 1)}
    skipped = [n for n, line in enumerate(doc.lines, 1) if line.strip() and n not in used]
    reasons = (f"{len(best)} records with a term and a definition", ) if best else ("no records with a term",)
    return Reading(best, skipped, "data-records"), Detection(fit_score(best, doc, evidence, used), reasons, len(best))


class StructuredReader(DryRunReader):
    name = "data"
    description = "JSON and YAML glossaries: a list of records, or a mapping from term to record or definition"
    formats = ("text",)

    def parse(self, doc: Document) -> tuple[Reading, Detection]:
        return _read(doc)
