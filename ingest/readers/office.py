"""Spreadsheets (.xlsx, openpyxl) and word-processor files (.docx, python-docx) as lines.

Both become a Document whose lines keep a stable address in the file: an .xlsx sheet gives one
tab-separated line per row (line n = row n of the first sheet that holds data), a .docx gives one line
per paragraph or table row in body order, with bold runs written as **…** and heading styles as
`#` so the Markdown reader sees the structure the author gave. Line numbers in spans then say
"row 12" or "paragraph 12".
"""

from __future__ import annotations

import io
import zipfile

from ingest.errors import IngestError


def office_kind(data: bytes) -> str | None:
    """'xlsx' or 'docx' for an Office Open XML package, else None."""
    if not data.startswith(b"PK\x03\x04"):
        return None
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except zipfile.BadZipFile:
        return None
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "word/document.xml" in names:
        return "docx"
    return None


def _cell(value: object) -> str:
    if value is None:
        return ""
    return str(value).replace("\t", " ").replace("\r", "").replace("\n", " ").strip()


def xlsx_lines(data: bytes, path: str) -> list[str]:
    import openpyxl  # only needed for spreadsheets

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged package
        raise IngestError(path, None, f"not a readable .xlsx workbook ({type(exc).__name__}: {exc})") from exc
    for sheet in book.worksheets:
        rows = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        if any(any(cells) for cells in rows):
            return ["\t".join(cells).rstrip("\t") for cells in rows]
    raise IngestError(path, None, "the workbook has no data")


def docx_lines(data: bytes, path: str) -> list[str]:
    import docx  # python-docx; only needed for .docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many types for a damaged package
        raise IngestError(path, None, f"not a readable .docx document ({type(exc).__name__}: {exc})") from exc
    lines: list[str] = []
    for block in document.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph = Paragraph(block, document)
            style = (paragraph.style.name if paragraph.style is not None else "") or ""
            text = "".join(f"**{run.text}**" if run.bold and run.text.strip() else run.text for run in paragraph.runs)
            text = text.replace("****", "").replace("\n", " ").strip()
            if style.lower().startswith("heading") and text:
                level = "".join(ch for ch in style if ch.isdigit()) or "1"
                text = "#" * min(6, int(level)) + " " + text.replace("**", "")
            lines.append(text)
        elif tag == "tbl":
            table = Table(block, document)
            for row in table.rows:
                lines.append("\t".join(_cell(cell.text) for cell in row.cells))
    if not any(line.strip() for line in lines):
        raise IngestError(path, None, "the document has no text")
    return lines
