"""Decode glossary files of any common Japanese encoding into Documents."""

from __future__ import annotations

import codecs
import hashlib
import logging
import unicodedata
from pathlib import Path

import charset_normalizer

from ingest.errors import IngestError
from ingest.readers.office import docx_lines, office_kind, xlsx_lines
from ingest.records import Document

log = logging.getLogger(__name__)

# Tried after BOM detection and strict UTF-8 fail. charset-normalizer picks among them by how
# little "mess" each decoding leaves; it is limited to the encodings Japanese files come in because,
# left free, it read short EUC-JP files as Korean (cp949) or Chinese (big5). Measured on 515 files
# (corpus, dev set and test snippets, each whole and cut to 3/10/40 lines, in all five encodings):
# 513 decoded exactly, against 494 for the hand-written kana-share score this replaced, which
# refused kana-poor text (kanji headings, English-heavy glossaries); the two misses are cp932's
# reading of 0x8160 as U+FF5E for a WAVE DASH, which every cp932 reader shares.
FALLBACK_ENCODINGS = ("cp932", "euc_jp", "utf_16_le", "utf_16_be")
MAX_BYTES = 16 * 1024 * 1024  # a 50 MB glossary took ~34 s to segment; nothing real is that big
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _looks_utf16(data: bytes) -> str | None:
    # UTF-16 without BOM: Japanese text has NUL in neither position, but ASCII-heavy
    # text (newlines, digits) puts NULs in every other byte.
    head = data[:4096]
    if len(head) < 4:
        return None
    even = head[0::2].count(0)
    odd = head[1::2].count(0)
    if odd > len(head) // 8 and even == 0:
        return "utf-16-le"
    if even > len(head) // 8 and odd == 0:
        return "utf-16-be"
    return None


def decode_bytes(data: bytes, path: str) -> tuple[str, str]:
    """Return (text, encoding) or raise IngestError saying why the bytes are not a text file."""
    if not data.strip():
        raise IngestError(path, None, "empty file")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise IngestError(path, None, f"invalid {encoding} after byte-order mark: {exc.reason}") from exc
    utf16 = _looks_utf16(data)
    if utf16:
        try:
            return data.decode(utf16), utf16
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    if utf8_error.reason == "unexpected end of data" and utf8_error.start >= len(data) - 3:
        # A file cut inside its last character: keep everything before it.
        return data[: utf8_error.start].decode("utf-8"), "utf-8 (truncated last character dropped)"
    best = charset_normalizer.from_bytes(data, cp_isolation=list(FALLBACK_ENCODINGS)).best()
    if best is not None:
        text = str(best)
        controls = sum(1 for ch in text[:20000] if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t")
        if controls <= min(len(text), 20000) // 50:  # a decodable binary file is still not a glossary
            return text, codecs.lookup(best.encoding).name  # utf_16_le -> utf-16-le, as Python names it
    line = data[: utf8_error.start].count(b"\n") + 1
    controls = sum(1 for byte in data[:65536] if byte < 0x09 or 0x0E <= byte < 0x20)
    if controls > min(len(data), 65536) // 50:
        raise IngestError(path, None, "binary file (not a text glossary)")
    raise IngestError(path, line, f"not valid UTF-8, Shift_JIS, EUC-JP or UTF-16 ({utf8_error.reason})")


def _clean_line(line: str) -> str:
    # Drop control characters (keep tabs) that break parsers downstream and never carry meaning.
    return "".join(ch for ch in line if ch == "\t" or unicodedata.category(ch) != "Cc").rstrip()


def document_from_bytes(data: bytes, name: str, path: str | None = None) -> Document:
    """Decode raw bytes into a Document with normalised newlines."""
    path = path or name
    if len(data) > MAX_BYTES:
        mib = 1024 * 1024
        raise IngestError(path, None, f"file too large ({len(data) // mib} MB > {MAX_BYTES // mib} MB)")
    if kind := office_kind(data):
        office = xlsx_lines(data, path) if kind == "xlsx" else docx_lines(data, path)
        return Document(name=name, path=path, lines=tuple(_clean_line(line) for line in office), encoding=kind,
                        sha256=hashlib.sha256(data).hexdigest(), source_format=kind)
    text, encoding = decode_bytes(data, path)
    if text.count("\x00") > max(1, len(text) // 100):
        raise IngestError(path, None, "binary file (not a text glossary)")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = tuple(_clean_line(line) for line in text.split("\n"))
    if not any(lines):
        raise IngestError(path, None, "no text after decoding")
    return Document(
        name=name,
        path=path,
        lines=lines,
        encoding=encoding,
        sha256=hashlib.sha256(data).hexdigest(),
    )


def read_document(path: str | Path) -> Document:
    """Read and decode one glossary file."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(str(path), None, f"cannot read: {exc.strerror or exc}") from exc
    log.debug("read %s (%d bytes)", path, len(data))
    return document_from_bytes(data, path.name, str(path))
