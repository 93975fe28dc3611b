"""The SPARQL gate (parse a user query, refuse anything that reaches outside the store) and the result formats."""

from __future__ import annotations

import ctypes
import json
import logging
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox
from pyparsing import ParseBaseException, ParseResults
from rdflib.plugins.sparql.parser import expandUnicodeEscapes, parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue

from kg.errors import InvalidQuery, InvalidRequest, NotAcceptable, QueryRefused

log = logging.getLogger(__name__)

QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
RESULT_MEDIA_TYPES = (
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
)
GRAPH_MEDIA_TYPES = ("text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json")

UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
)
MSG_UPDATE = "updates are not allowed: this endpoint is read-only"
MSG_SERVICE = "SERVICE (federated query) is not allowed"
MSG_FROM = (
    "FROM and FROM NAMED are not allowed; choose graphs with the "
    "default-graph-uri and named-graph-uri parameters instead"
)

_FORM_OF_NODE = {
    "SelectQuery": "SELECT",
    "AskQuery": "ASK",
    "ConstructQuery": "CONSTRUCT",
    "DescribeQuery": "DESCRIBE",
}
# Any of these anywhere in rdflib's parse tree means the query reaches outside the store.
_REFUSED_NODES = {"ServiceGraphPattern": MSG_SERVICE, "DatasetClause": MSG_FROM}

# One left-to-right token pass; every alternative is decided by its first character, so it is linear.
_TOKEN = re.compile(
    r'"""(?:[^"\\]|\\[\s\S]|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\[\s\S]|'(?!''))*'''"
    r'|"(?:[^"\\\n\r]|\\[\s\S])*"'
    r"|'(?:[^'\\\n\r]|\\[\s\S])*'"
    r"|(?P<iri><(?:[^<>\"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>)"
    r"|\#[^\n\r]*"
    r"|(?P<open>[\"'])"
)
# A keyword, not part of a variable ($x/?x), a prefixed name (ex:load, service:x) or a longer word.
_BACKSTOP = re.compile(r"(?<![\w?$:\-\\])(SERVICE|LOAD|FROM)(?![\w:\-])", re.IGNORECASE)
_PROLOGUE = re.compile(r"\s*(?:BASE\s*(<)|PREFIX\s*([^\s:<>{}]*):\s*(<))", re.IGNORECASE)
_FIRST_WORD = re.compile(r"\s*([A-Za-z]+)")


@dataclass(frozen=True)
class PreparedQuery:
    """A query that passed the gate; only prepare_query should build one from user input."""

    text: str
    form: str  # one of QUERY_FORMS
    prefixes: tuple[tuple[str, str], ...] = ()  # the query's PREFIX lines, reused to write Turtle
    verified: bool = False  # True when rdflib's full parse ran here; otherwise the worker runs it


class _Lexed:
    """The query with strings, IRIs and comments blanked out (same length, same line breaks)."""

    def __init__(self, text: str):
        self.text = text
        self.iris: dict[int, str] = {}
        out: list[str] = []
        pos = 0
        for m in _TOKEN.finditer(text):
            if m.group("open"):
                line, col = position(text, m.start())
                raise InvalidQuery("unterminated string literal", line, col)
            out.append(text[pos : m.start()])
            tok = m.group(0)
            if m.group("iri"):
                self.iris[m.start()] = tok[1:-1]
                out.append("<" + " " * (len(tok) - 2) + ">")
            elif tok[0] == "#":
                out.append(" " * len(tok))
            else:
                out.append(tok[0] + re.sub(r"[^\n]", " ", tok[1:-1]) + tok[-1])
            pos = m.end()
        out.append(text[pos:])
        self.code = "".join(out)


def position(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _backstop(lexed: _Lexed) -> None:
    """Refuse SERVICE / LOAD / FROM keywords wherever they stand outside literals and comments."""
    m = _BACKSTOP.search(lexed.code)
    if m:
        word = m.group(1).upper()
        line, col = position(lexed.text, m.start())
        msg = {"SERVICE": MSG_SERVICE, "LOAD": MSG_UPDATE, "FROM": MSG_FROM}[word]
        raise QueryRefused(f"{msg} (line {line}, column {col})")


def _prologue_and_form(lexed: _Lexed) -> tuple[str, tuple[tuple[str, str], ...]]:
    """Read BASE/PREFIX declarations and the first keyword, which decides the query form."""
    code, pos, prefixes = lexed.code, 0, []
    while m := _PROLOGUE.match(code, pos):
        iri_at = m.start(3) if m.group(3) else m.start(1)
        if iri_at not in lexed.iris:
            break
        iri = lexed.iris[iri_at]
        if m.group(3) and re.match(r"[A-Za-z][A-Za-z0-9+.\-]*:", iri):
            prefixes.append((m.group(2), iri))
        pos = code.index(">", iri_at) + 1
    m = _FIRST_WORD.match(code, pos)
    word = m.group(1).upper() if m else ""
    if word in UPDATE_KEYWORDS:
        raise QueryRefused(MSG_UPDATE)
    if word not in QUERY_FORMS:
        at = m.start(1) if m else len(code) - len(code[pos:].lstrip())
        line, col = position(lexed.text, at)
        raise InvalidQuery("expected SELECT, ASK, CONSTRUCT or DESCRIBE", line, col)
    return word, tuple(prefixes)


def lexical_gate(text: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """Cheap linear checks both parsers must pass; returns (form, prefixes)."""
    raw = _Lexed(text)
    form, prefixes = _prologue_and_form(raw)
    _backstop(raw)
    # rdflib expands \\uXXXX everywhere before parsing and pyoxigraph only inside IRIs and strings;
    # scanning both readings means a keyword hidden by either one is still seen.
    try:
        expanded = expandUnicodeEscapes(text)
    except ValueError as exc:
        raise InvalidQuery(str(exc)) from None
    if expanded != text:
        _backstop(_Lexed(expanded))
    return form, prefixes


def _nodes(tree: Any) -> Iterator[CompValue]:
    """Every CompValue in an rdflib parse tree, walked iteratively (trees can be deep)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, CompValue):
            yield node
            stack.extend(dict.values(node))
        elif isinstance(node, (list, tuple, ParseResults)):
            stack.extend(node)


def _syntax_error(text: str, exc: ParseBaseException) -> InvalidQuery:
    """A readable InvalidQuery from pyparsing's exception."""
    near = text[exc.loc : exc.loc + 24].split("\n")[0].strip()
    expected = str(exc.msg)
    if expected.startswith("Expected "):
        expected = "expected " + expected[len("Expected ") :]
    where = f"near {near!r}" if near else "at the end of the query"
    return InvalidQuery(f"syntax error {where}: {expected}", exc.lineno, exc.col)


def verify_query(text: str) -> str:
    """Full rdflib parse and tree walk; returns the form or raises InvalidQuery/QueryRefused."""
    try:
        tree = parseQuery(text)
    except RecursionError:
        raise
    except ParseBaseException as exc:
        try:
            parseUpdate(text)
        except RecursionError:
            raise
        except Exception:
            raise _syntax_error(text, exc) from None
        raise QueryRefused(MSG_UPDATE) from None
    except Exception as exc:  # rdflib raises plain exceptions from some parse actions
        raise InvalidQuery(f"syntax error: {exc}") from None
    for node in _nodes(tree):
        if node.name in _REFUSED_NODES:
            raise QueryRefused(_REFUSED_NODES[node.name])
    form = _FORM_OF_NODE.get(getattr(tree[-1], "name", ""), "")
    if form not in QUERY_FORMS:
        raise InvalidQuery("expected SELECT, ASK, CONSTRUCT or DESCRIBE")
    return form


class _Abandoned(BaseException):
    """Raised into a gate thread whose budget ran out (BaseException so pyparsing won't catch it)."""


# pyparsing works out each parse action's arity on its first call; two threads doing that at once
# corrupt the grammar for the rest of the process, so parses are serialised.
_PARSE_LOCK = threading.Lock()


def _verify_with_budget(text: str, budget_s: float) -> str | None:
    """verify_query in a helper thread; None when it needs more stack or time than the web process gives."""
    outcome: list[tuple[str, Any]] = []

    def target() -> None:
        try:
            try:
                with _PARSE_LOCK:
                    outcome.append(("ok", verify_query(text)))
            except RecursionError:
                outcome.append(("deep", None))
            except _Abandoned:
                raise
            except BaseException as exc:  # handed to the caller's thread
                outcome.append(("error", exc))
        except _Abandoned:
            pass

    # rdflib's grammar recurses ~11 frames per triple pattern; the thread starts with a nearly empty
    # stack, and the default recursion limit is left alone because it guards every thread's C stack.
    thread = threading.Thread(target=target, name="sparql-gate", daemon=True)
    thread.start()
    thread.join(budget_s)
    if thread.is_alive() and thread.ident is not None:
        # pyparsing is pure Python, so an asynchronous exception stops it within a few bytecodes.
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident), ctypes.py_object(_Abandoned))
        log.info("SPARQL gate parse over %.2fs budget (%d chars); deferred to the worker", budget_s, len(text))
        return None
    kind, value = outcome[0] if outcome else ("deep", None)
    if kind == "error" and isinstance(value, BaseException):
        raise value
    if kind == "deep":
        log.info("SPARQL gate parse too deep for the web process (%d chars); deferred", len(text))
        return None
    return value


# pyparsing streamlines (mutates) the grammar on its first parse; do that once here, so no gate thread
# is interrupted half-way through it and no two threads do it at the same time.
parseQuery("ASK {}")
parseUpdate("CLEAR DEFAULT")


def prepare_query(text: str, *, max_length: int = 20_000, parse_timeout_s: float = 0.5) -> PreparedQuery:
    """Validate a user query and return it with its form, or raise InvalidRequest/InvalidQuery/QueryRefused."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidRequest("the query is empty")
    if len(text) > max_length:
        raise InvalidRequest(f"the query is {len(text)} characters long; the limit is {max_length}")
    if "\x00" in text:
        raise InvalidQuery("the query contains a NUL character")
    form, prefixes = lexical_gate(text)
    checked = _verify_with_budget(text, parse_timeout_s)
    if checked is not None and checked != form:
        # The two readings disagree about what the query is; refuse rather than guess.
        raise QueryRefused("the query could not be verified")
    return PreparedQuery(text=text, form=form, prefixes=prefixes, verified=checked is not None)


# ---------------------------------------------------------------- SELECT result formats (W3C)

_XSD = "http://www.w3.org/2001/XMLSchema#"
_TSV_SHORT = {
    _XSD + "integer": re.compile(r"[+-]?[0-9]+"),
    _XSD + "decimal": re.compile(r"[+-]?[0-9]*\.[0-9]+"),
    _XSD + "double": re.compile(r"[+-]?(?:[0-9]+\.[0-9]*|\.?[0-9]+)[eE][+-]?[0-9]+"),
    _XSD + "boolean": re.compile(r"true|false"),
}
_SPARQL_NS = "http://www.w3.org/2005/sparql-results#"
_ITS = 'xmlns:its="http://www.w3.org/2005/11/its" its:version="2.0"'


def _json_term(t: Any) -> dict[str, Any]:
    """A term as SPARQL 1.1 Query Results JSON (with the SPARQL 1.2 triple-term form)."""
    if isinstance(t, ox.NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, ox.BlankNode):
        return {"type": "bnode", "value": t.value}
    if isinstance(t, ox.Literal):
        out: dict[str, Any] = {"type": "literal", "value": t.value}
        if t.language:
            out["xml:lang"] = t.language
            if t.direction is not None:
                out["its:dir"] = str(t.direction)
        elif t.datatype.value != _XSD + "string":
            out["datatype"] = t.datatype.value
        return out
    return {"type": "triple", "value": {k: _json_term(getattr(t, k)) for k in ("subject", "predicate", "object")}}


def _xml_text(s: str) -> str:
    """Escape character data; CR is a reference because XML parsers turn a raw CR into LF."""
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _xml_attr(s: str) -> str:
    """Escape an attribute value written between double quotes."""
    return _xml_text(s).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")


def _xml_term(t: Any) -> str:
    """A term as SPARQL Query Results XML."""
    if isinstance(t, ox.NamedNode):
        return f"<uri>{_xml_text(t.value)}</uri>"
    if isinstance(t, ox.BlankNode):
        return f"<bnode>{_xml_text(t.value)}</bnode>"
    if isinstance(t, ox.Literal):
        if t.language:
            attrs = f' xml:lang="{_xml_attr(t.language)}"'
            if t.direction is not None:
                attrs += f' its:dir="{t.direction}" {_ITS}'
        elif t.datatype.value != _XSD + "string":
            attrs = f' datatype="{_xml_attr(t.datatype.value)}"'
        else:
            attrs = ""
        return f"<literal{attrs}>{_xml_text(t.value)}</literal>"
    parts = "".join(f"<{k}>{_xml_term(getattr(t, k))}</{k}>" for k in ("subject", "predicate", "object"))
    return f"<triple>{parts}</triple>"


def _csv_field(t: Any) -> str:
    """A term as one SPARQL CSV field: lexical forms only, quoted per RFC 4180 when needed."""
    if t is None:
        return ""
    if isinstance(t, ox.BlankNode):
        s = "_:" + t.value
    elif isinstance(t, (ox.NamedNode, ox.Literal)):
        s = t.value
    else:
        s = " ".join(_csv_field(getattr(t, k)) for k in ("subject", "predicate", "object"))
    if any(c in s for c in ',"\r\n'):
        return '"' + s.replace('"', '""') + '"'
    return s


def _tsv_term(t: Any) -> str:
    """A term in the Turtle/SPARQL syntax the SPARQL TSV format uses."""
    if t is None:
        return ""
    if isinstance(t, ox.NamedNode):
        return f"<{t.value}>"
    if isinstance(t, ox.BlankNode):
        return "_:" + t.value
    if isinstance(t, ox.Literal):
        dt = t.datatype.value
        if not t.language and dt in _TSV_SHORT and _TSV_SHORT[dt].fullmatch(t.value):
            return t.value
        body = t.value.replace("\\", "\\\\").replace('"', '\\"')
        body = '"' + body.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t") + '"'
        if t.language:
            return body + "@" + t.language + (f"--{t.direction}" if t.direction is not None else "")
        return body if dt == _XSD + "string" else f"{body}^^<{dt}>"
    return "<<( " + " ".join(_tsv_term(getattr(t, k)) for k in ("subject", "predicate", "object")) + " )>>"


def write_solutions(solutions: Any, media_type: str, max_rows: int) -> tuple[bytes, bool]:
    """Serialise at most max_rows SELECT solutions; the flag says whether more were available."""
    names = [v.value for v in solutions.variables]
    rows: list[list[Any]] = []
    truncated = False
    for solution in solutions:
        if len(rows) == max_rows:
            truncated = True
            break
        rows.append(list(solution))
    if media_type == "application/sparql-results+json":
        bindings = [{n: _json_term(v) for n, v in zip(names, row, strict=True) if v is not None}
                    for row in rows]
        doc = {"head": {"vars": names}, "results": {"bindings": bindings}}
        return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode(), truncated
    if media_type == "application/sparql-results+xml":
        out = [f'<?xml version="1.0"?><sparql xmlns="{_SPARQL_NS}"><head>']
        out += [f'<variable name="{_xml_attr(n)}"/>' for n in names]
        out.append("</head><results>")
        for row in rows:
            out.append("<result>")
            out += [f'<binding name="{n}">{_xml_term(v)}</binding>'
                    for n, v in zip(names, row, strict=True) if v is not None]
            out.append("</result>")
        out.append("</results></sparql>")
        return "".join(out).encode(), truncated
    if media_type == "text/csv":
        lines = [",".join(names)] + [",".join(_csv_field(v) for v in row) for row in rows]
        return ("\r\n".join(lines) + "\r\n").encode(), truncated
    if media_type == "text/tab-separated-values":
        lines = ["\t".join("?" + n for n in names)] + ["\t".join(_tsv_term(v) for v in row) for row in rows]
        return ("\n".join(lines) + "\n").encode(), truncated
    raise NotAcceptable(f"SELECT results cannot be written as {media_type}", list(RESULT_MEDIA_TYPES))


def write_boolean(value: bool, media_type: str) -> bytes:
    """Serialise an ASK answer."""
    word = "true" if value else "false"
    if media_type == "application/sparql-results+json":
        return b'{"head":{},"boolean":' + word.encode() + b"}"
    if media_type == "application/sparql-results+xml":
        xml = f'<?xml version="1.0"?><sparql xmlns="{_SPARQL_NS}"><head></head><boolean>{word}</boolean></sparql>'
        return xml.encode()
    if media_type in ("text/csv", "text/tab-separated-values"):
        return word.encode()  # the CSV/TSV spec defines no boolean form; this is what Oxigraph writes
    raise NotAcceptable(f"ASK results cannot be written as {media_type}", list(RESULT_MEDIA_TYPES))
