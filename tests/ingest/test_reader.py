from __future__ import annotations

import pytest

from ingest.errors import IngestError
from ingest.reader import document_from_bytes, read_document

TEXT = "呼損率\n\nその日の放棄の数を、その日の総入電数で割ったもの。「放棄呼率」と同義。\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932", "shift_jis", "euc_jp", "utf-16",
                                      "utf-16-le", "utf-16-be"])
def test_every_common_japanese_encoding_decodes_to_the_same_lines(encoding):
    doc = document_from_bytes(TEXT.encode(encoding), "g.txt")
    assert doc.lines[0] == "呼損率"
    assert doc.lines[2].endswith("と同義。")


def test_crlf_and_cr_newlines_are_normalised():
    doc = document_from_bytes(TEXT.replace("\n", "\r\n").encode(), "g.txt")
    assert doc.lines[:3] == ("呼損率", "", "その日の放棄の数を、その日の総入電数で割ったもの。「放棄呼率」と同義。")


@pytest.mark.parametrize(("data", "reason"), [
    (b"", "empty file"),
    (b"  \n\n ", "empty file"),
    (b"\x00" * 64, "binary file"),
    (bytes(range(256)) * 8, "binary file"),
], ids=["empty", "blank", "nul", "bytes"])
def test_unreadable_bytes_are_reported_with_the_file_name(data, reason):
    with pytest.raises(IngestError) as info:
        document_from_bytes(data, "broken.txt")
    assert str(info.value).startswith("broken.txt")
    assert reason in str(info.value)


def test_a_file_cut_inside_its_last_character_keeps_the_rest():
    data = TEXT.encode()[:-2]
    doc = document_from_bytes(data, "cut.txt")
    assert "truncated" in doc.encoding
    assert doc.lines[0] == "呼損率"


def test_control_characters_are_dropped(tmp_path):
    path = tmp_path / "ctl.txt"
    path.write_bytes("呼損\x07率\n\n定義の文です。\x1b\n".encode())
    assert read_document(path).lines[0] == "呼損率"


def test_missing_file_is_an_ingest_error(tmp_path):
    with pytest.raises(IngestError, match="cannot read"):
        read_document(tmp_path / "nope.txt")


@pytest.mark.parametrize("encoding", ["cp932", "euc_jp", "utf-16-le", "utf-16-be"])
def test_kana_poor_text_in_a_legacy_encoding_is_read(encoding):
    """Kanji headings and English definitions carry almost no kana, the signal a hand-written score used."""
    text = "# 用語集\n\n## 応答率\nAnswer rate 応答数 / 着信数\n\n## HTTP\nHypertext Transfer Protocol\n"
    doc = document_from_bytes(text.encode(encoding), "g.md")
    assert doc.lines[:4] == ("# 用語集", "", "## 応答率", "Answer rate 応答数 / 着信数")
