"""Property-based fuzzing of the ingest reader and segmenter: any bytes end in a Document or an IngestError
(never another exception), and Japanese glossaries in every supported encoding read back exactly."""

from __future__ import annotations

import hashlib
import os
import unicodedata

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from robust_support import SNIPPETS

from ingest.errors import IngestError
from ingest.layout import segment
from ingest.pipeline import ingest_documents
from ingest.reader import document_from_bytes
from kg.documents import DocumentRejected, check_document

EXAMPLES = int(os.environ.get("KG_FUZZ_EXAMPLES", "300"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
REAL = [p.read_bytes() for p in sorted(SNIPPETS.glob("*.txt"))]

KANJI = "用語定義電話顧客対応受付窓口時間平均処理品質管理回線転送保留"
HIRA = "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをん"
KATA = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲンー"
SYMBOLS = "、。「」（）：・【】→"
glossary_chars = list(KANJI + HIRA + KATA + SYMBOLS + "0123ABCxyz #|-*:<>/\t\n")


def read_or_refuse(data: bytes):
    try:
        return document_from_bytes(data, "fuzz.txt")
    except IngestError as exc:
        assert str(exc).startswith("fuzz.txt") and exc.reason
        return None


def mutate(data: bytes, edits: list[tuple[int, int, int]]) -> bytes:
    """Flip, drop or insert bytes of a real glossary at fuzzed positions."""
    out = bytearray(data)
    for kind, where, value in edits:
        if not out:
            break
        i = where % len(out)
        if kind == 0:
            out[i] = value
        elif kind == 1:
            del out[i]
        else:
            out.insert(i, value)
    return bytes(out)


raw_bytes = st.one_of(
    st.binary(max_size=3000),
    st.lists(st.sampled_from(glossary_chars), max_size=600).map("".join).map(str.encode),
    st.tuples(st.sampled_from(REAL), st.lists(st.tuples(st.integers(0, 2), st.integers(0, 10**6), st.integers(0, 255)),
                                              max_size=20)).map(lambda t: mutate(*t)),
    st.tuples(st.sampled_from(REAL), st.integers(0, 5000)).map(lambda t: t[0][: t[1]]),
    st.sampled_from(REAL).flatmap(lambda d: st.sampled_from(["cp932", "euc_jp", "utf-16", "utf-16-be"]).map(
        lambda enc: d.decode("utf-8").encode(enc, "replace"))),
)


@FUZZ
@given(raw_bytes)
def test_any_bytes_give_a_clean_document_or_an_ingest_error(data):
    doc = read_or_refuse(data)
    if doc is None:
        return
    assert doc.sha256 == hashlib.sha256(data).hexdigest()
    for line in doc.lines:
        assert "\r" not in line and "\n" not in line
        assert all(ch == "\t" or unicodedata.category(ch) != "Cc" for ch in line), repr(line)
    seg = segment(doc)
    assert seg.layout
    for entry in seg.entries:
        assert entry.definition.strip()
    concepts, report = ingest_documents([doc])
    assert report.concepts == len(concepts)
    assert len({c.key for c in concepts}) == len(concepts)


@FUZZ
@given(raw_bytes, st.text(max_size=40))
def test_the_add_check_refuses_cleanly_or_accepts_something_that_has_entries(data, name):
    try:
        doc = check_document(data, name or "x.txt", 1 << 20)
    except DocumentRejected as exc:
        assert str(exc)
    else:
        assert doc.entries > 0 and "/" not in doc.name


word = st.text(st.sampled_from(list(KANJI + KATA)), min_size=2, max_size=12)
body = st.text(st.sampled_from(list(KANJI + HIRA + KATA + "、「」（）・0123ABC ")), max_size=60)
entry = st.tuples(word, body).map(lambda t: f"{t[0]}\n\n{t[0]}とは、{t[1]}のことをいう。")
glossary = st.lists(entry, min_size=2, max_size=12).map("\n\n".join)


@FUZZ
@given(glossary, st.sampled_from(["utf-8", "utf-8-sig", "cp932", "euc_jp", "utf-16", "utf-16-le", "utf-16-be"]),
       st.sampled_from(["\n", "\r\n", "\r"]))
def test_japanese_glossaries_read_back_exactly_in_every_supported_encoding(text, encoding, newline):
    doc = document_from_bytes(text.replace("\n", newline).encode(encoding), "g.txt")
    assert "\n".join(doc.lines).rstrip() == text.rstrip()
    reference = document_from_bytes(text.encode("utf-8"), "g.txt")
    assert [e.headword for e in segment(doc).entries] == [e.headword for e in segment(reference).entries]
