"""Uploaded bytes -> the document's lines and tables, or a PlanParseError a user can act on.

Line numbers in the parser's messages count the lines returned here (1-based),
so blank lines are kept: dropping them would shift every number after them.

What a plan may be is bounded before anything large is built: the file's size,
the size a .docx/.xlsx unpacks to, the characters of text, the rows and columns of
a table, and how deeply tables nest. A .docx is read as a stream of its XML
(one paragraph or table at a time, each dropped once read), never as a whole
tree: a small zip can unpack to a hundred megabytes of markup.
"""

from __future__ import annotations

import codecs
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import PurePath

from django.utils.translation import gettext as _

from .document import PlanParseError

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
# A .docx is a zip: a small upload can still inflate to gigabytes of XML.
MAX_DOCX_UNPACKED_BYTES = 20 * MAX_DOCUMENT_BYTES
# A 5,000-item 任务分解表 has about a million characters; the 2020 plan has 12,000.
MAX_DOCUMENT_CHARACTERS = 2_000_000
MAX_TABLE_ROWS = 20_000
MAX_TABLE_COLUMNS = 40
MAX_TABLES = 200
# A table inside a table's cell is read as that cell's text; deeper than this is not a plan.
MAX_TABLE_NESTING = 3
# Elements in one paragraph or table row (a run is a few), and in the whole document (a 5,000-item
# 任务分解表 from Word has about a million): more is markup inflated on purpose. Nesting deeper than
# libxml2's own limit (256) is refused by it as a damaged file.
MAX_ELEMENTS_PER_BLOCK = 200_000
MAX_XML_ELEMENTS = 3_000_000
BLOCK_TAGS = tuple(f"{{http://schemas.openxmlformats.org/wordprocessingml/2006/main}}{tag}"
                   for tag in ("p", "tr", "tbl", "sdt", "customXml"))

TEXT_SUFFIXES = frozenset({".txt"})
DOCX_SUFFIX = ".docx"
XLSX_SUFFIXES = frozenset({".xlsx", ".xlsm"})
OLD_WORD_SUFFIXES = frozenset({".doc", ".wps", ".rtf"})
OLD_EXCEL_SUFFIXES = frozenset({".xls", ".et"})
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .doc / .xls / .wps containers

UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# Control characters never found in a typed document; \t, \n, \v, \f, \r are.
BINARY_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
LINE_BREAK = re.compile(r"\r\n|[\r\v\f\u2028\u2029]")
# str.rstrip() already covers NBSP and U+3000; zero-width marks are not "whitespace".
TRAILING_BLANK = re.compile(r"[\s\u200b\u200c\u200d\ufeff]+$")
# A sheet named like this is the 任务分解表, wherever it is in the workbook.
BREAKDOWN_SHEET = re.compile("分解|任务|分工|台账|清单")

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
SPREADSHEET = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
# Word keeps a copy of a text box's text in the drawing's fallback; deleted text is w:delText.
SKIPPED_WORD_ELEMENTS = frozenset({f"{W}txbxContent", f"{W}del", f"{W}instrText",
                                   "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"})


@dataclass(frozen=True)
class SourceCell:
    text: str
    origin: tuple[int, int]  # (row, column) of the merged range's first cell; its own position when not merged


@dataclass(frozen=True)
class SourceTable:
    number: int  # 1-based among the document's tables
    rows: tuple[tuple[SourceCell, ...], ...]  # every row as wide as the widest; merged cells carry their text
    sheet: str = ""  # the Excel sheet's name


@dataclass(frozen=True)
class SourceDocument:
    lines: list[str]  # paragraphs outside tables
    tables: tuple[SourceTable, ...] = ()

    @property
    def text(self) -> str:
        """What is kept as the plan's source text: the paragraphs, then each table's rows (cells by tabs)."""
        parts = ["\n".join(self.lines)]
        for table in self.tables:
            parts.extend("\t".join(cell.text.replace("\n", " ") for cell in row) for row in table.rows)
        return "\n".join(part for part in parts if part)


def read_document(data: bytes, *, filename: str) -> list[str]:
    """The document's lines (paragraphs outside tables), trailing blanks stripped, blank lines kept."""
    return read_source(data, filename=filename).lines


def read_source(data: bytes, *, filename: str) -> SourceDocument:
    """The document's lines and tables; .txt, .docx and .xlsx."""
    if len(data) > MAX_DOCUMENT_BYTES:
        raise _too_large_error()
    if not data.strip():
        raise PlanParseError(_("The document is empty."))
    suffix = PurePath(filename or "").suffix.lower()
    if suffix == DOCX_SUFFIX:
        document = _docx_document(data)
    elif suffix in XLSX_SUFFIXES:
        document = _xlsx_document(data)
    elif suffix in TEXT_SUFFIXES:
        text = _decoded_text(data)
        _check_characters(len(text))
        document = SourceDocument(lines=split_lines(text))
    else:
        raise _unsupported_type(suffix, filename)
    if not any(line.strip() for line in document.lines) and not any(
        cell.text.strip() for table in document.tables for row in table.rows for cell in row
    ):
        raise PlanParseError(_("The document is empty."))
    return document


def split_lines(text: str) -> list[str]:
    """Normalised lines of a text: \\r\\n and \\r become \\n, trailing blanks go."""
    text = LINE_BREAK.sub("\n", text).removeprefix("\ufeff").removesuffix("\n")
    return [TRAILING_BLANK.sub("", line) for line in text.split("\n")]


def _too_large_error() -> PlanParseError:
    return PlanParseError(
        _("The file is larger than %(limit)d MB; a work plan is much smaller.")
        % {"limit": MAX_DOCUMENT_BYTES // (1024 * 1024)}
    )


def _check_characters(count: int) -> None:
    if count > MAX_DOCUMENT_CHARACTERS:
        raise PlanParseError(
            _("The document has more than %(limit)s characters of text; a work plan is much shorter. "
              "Split it into several plans.") % {"limit": f"{MAX_DOCUMENT_CHARACTERS:,}"}
        )


def _unsupported_type(suffix: str, filename: str) -> PlanParseError:
    if suffix in OLD_WORD_SUFFIXES:
        return PlanParseError(
            _("Old Word files (%(suffix)s) cannot be read; save the document as .docx or .txt.") % {"suffix": suffix}
        )
    if suffix in OLD_EXCEL_SUFFIXES:
        return PlanParseError(
            _("Old Excel files (%(suffix)s) cannot be read; save the table as .xlsx.") % {"suffix": suffix}
        )
    return PlanParseError(
        _("“%(filename)s” is not a supported file; save the document as .docx, .xlsx or .txt.") % {"filename": filename}
    )


def _decoded_text(data: bytes) -> str:
    if data.startswith(UTF16_BOMS):
        text = _decode_or_none(data, "utf-16")
    elif b"\x00" in data:
        # NUL bytes only belong in UTF-16, which announced itself with a BOM above.
        raise _binary_error()
    else:
        text = _decode_or_none(data, "utf-8-sig")
        if text is None:
            text = _decode_or_none(data, "gb18030")
    if text is None:
        raise PlanParseError(
            _("The file's text encoding is not recognised; save it as UTF-8 (or GB18030) text, or as .docx.")
        )
    if BINARY_CONTROL.search(text):
        raise _binary_error()
    return text


def _decode_or_none(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding, errors="strict")
    except UnicodeDecodeError:
        return None


def _binary_error() -> PlanParseError:
    return PlanParseError(_("The file contains binary data, not text; save the document as .docx or .txt."))


def _corrupt_docx_error() -> PlanParseError:
    return PlanParseError(_("The .docx file is damaged or is not a Word document; save it again as .docx or .txt."))


def _corrupt_xlsx_error() -> PlanParseError:
    return PlanParseError(_("The Excel file is damaged or is not an .xlsx workbook; save it again as .xlsx."))


def _open_archive(data: bytes, corrupt) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(BytesIO(data))
        unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise corrupt() from error
    if unpacked > MAX_DOCX_UNPACKED_BYTES:
        raise _too_large_error()
    return archive


# -- .docx ---------------------------------------------------------------------------------------


class _Budget:
    """Characters read so far, against MAX_DOCUMENT_CHARACTERS."""

    def __init__(self):
        self.characters = 0

    def spend(self, text: str) -> str:
        self.characters += len(text)
        _check_characters(self.characters)
        return text


def _docx_document(data: bytes) -> SourceDocument:
    if data.startswith(OLE_SIGNATURE):
        raise PlanParseError(
            _("This is an old Word (.doc) file renamed to .docx; open it in Word and save it as .docx.")
        )
    archive = _open_archive(data, _corrupt_docx_error)
    from lxml import etree  # python-docx's own XML library, used here as a stream

    lines: list[str] = []
    tables: list[SourceTable] = []
    budget = _Budget()
    rows: _Grid | None = None  # the rows of the body's table being read, each dropped once read
    try:
        with archive:
            with archive.open("word/document.xml") as stream:
                _check_markup(stream)
            with archive.open("word/document.xml") as stream:
                # Only the ends of paragraphs, rows and tables reach Python (libxml2 filters the rest).
                for _event, element in etree.iterparse(stream, events=("end",), tag=BLOCK_TAGS,
                                                       resolve_entities=False, no_network=True, huge_tree=False):
                    parent = element.getparent()
                    if element.tag == f"{W}tr":
                        if not _is_body_table(parent):
                            continue  # a nested table's row: read with its cell
                        # A row of a table of the body: read now, so that a long table is never held whole.
                        if rows is None:
                            if len(tables) >= MAX_TABLES:
                                raise PlanParseError(_("The document has more than %(limit)d tables.")
                                                     % {"limit": MAX_TABLES})
                            rows = _Grid(budget=budget, nesting=1)
                        rows.add(element)
                        _drop(element)
                        continue
                    if parent is None or parent.tag != f"{W}body":
                        continue  # inside a cell, a text box or a content control: read with it
                    if rows is not None and element.tag == f"{W}tbl":
                        tables.append(rows.table(number=len(tables) + 1))
                        rows = None
                    else:
                        for kind, block in _blocks(element):
                            if kind == "p":
                                lines.extend(split_lines(budget.spend(_paragraph_text(block))))
                            else:
                                if len(tables) >= MAX_TABLES:
                                    raise PlanParseError(_("The document has more than %(limit)d tables.")
                                                         % {"limit": MAX_TABLES})
                                tables.append(_docx_table(block, number=len(tables) + 1, budget=budget, nesting=1))
                    _drop(element)
    except PlanParseError:
        raise
    except (KeyError, etree.XMLSyntaxError, zipfile.BadZipFile, ValueError, OSError, EOFError) as error:
        raise _corrupt_docx_error() from error
    return SourceDocument(lines=lines, tables=tuple(tables))


_BLOCK_ENDS = re.compile(rb"</w:p>|</w:tr>")


def _check_markup(stream) -> None:
    """Count the markup before building any of it: inflated markup (a million empty runs in one paragraph,
    millions of empty paragraphs) is refused at the speed of bytes.count, never parsed."""
    total = since_block = 0
    for chunk in iter(lambda: stream.read(1 << 20), b""):
        pieces = _BLOCK_ENDS.split(chunk)
        for index, piece in enumerate(pieces):
            tags = piece.count(b"<")
            since_block = since_block + tags if index == 0 else tags
            total += tags
            if since_block > 2 * MAX_ELEMENTS_PER_BLOCK:
                raise PlanParseError(_("A paragraph or a table row of the document is too large to be part "
                                       "of a work plan."))
        if total > 2 * MAX_XML_ELEMENTS:
            raise PlanParseError(_("The document holds far more markup than a work plan; save it again from Word, "
                                   "or as .txt."))


def _blocks(element) -> Iterator[tuple[str, object]]:
    """The paragraphs ("p") and tables ("tbl") of a body child, content controls (w:sdt) opened."""
    if element.tag == f"{W}p":
        yield "p", element
    elif element.tag == f"{W}tbl":
        yield "tbl", element
    elif element.tag in (f"{W}sdt", f"{W}sdtContent", f"{W}customXml"):
        for child in element:
            if child.tag in (f"{W}sdtContent", f"{W}p", f"{W}tbl", f"{W}sdt", f"{W}customXml"):
                yield from _blocks(child)


_PLAIN_TEXT = _NEEDS_WALK = None  # XPaths, compiled once: the w:t texts, and whether anything else counts


def _xpaths():
    global _PLAIN_TEXT, _NEEDS_WALK
    if _PLAIN_TEXT is None:
        from lxml import etree

        namespaces = {"w": W[1:-1], "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006"}
        _PLAIN_TEXT = etree.XPath(".//w:t/text()", namespaces=namespaces)
        _NEEDS_WALK = etree.XPath(
            "boolean(.//w:tab|.//w:ptab|.//w:br|.//w:cr|.//w:noBreakHyphen|.//w:txbxContent|.//w:del"
            "|.//w:instrText|.//mc:Fallback)", namespaces=namespaces)
    return _PLAIN_TEXT, _NEEDS_WALK


def _paragraph_text(paragraph) -> str:
    """What python-docx's paragraph.text gives: runs' text, tabs as \\t, soft line breaks as \\n."""
    plain, needs_walk = _xpaths()
    if not needs_walk(paragraph):
        return "".join(plain(paragraph))  # the usual paragraph, in libxml2's time
    parts: list[str] = []

    def walk(element):
        for child in element:
            tag = child.tag
            if tag in SKIPPED_WORD_ELEMENTS:
                continue
            if tag == f"{W}t":
                parts.append(child.text or "")
            elif tag in (f"{W}tab", f"{W}ptab"):
                parts.append("\t")
            elif tag in (f"{W}br", f"{W}cr"):
                parts.append("\n")
            elif tag == f"{W}noBreakHyphen":
                parts.append("-")
            elif tag != f"{W}pPr":
                walk(child)

    walk(paragraph)
    return "".join(parts)


def _cell_text(cell, *, budget: _Budget, nesting: int) -> str:
    lines = []
    for child in cell:
        for kind, block in _blocks(child):
            if kind == "p":
                lines.append(budget.spend(_paragraph_text(block)))
            else:
                if nesting >= MAX_TABLE_NESTING:
                    raise PlanParseError(_("The document nests tables more than %(limit)d deep.")
                                         % {"limit": MAX_TABLE_NESTING})
                inner = _docx_table(block, number=0, budget=budget, nesting=nesting + 1)
                lines.extend(" ".join(c.text for c in _distinct_cells(row)) for row in inner.rows)
    return "\n".join(line.strip() for line in lines if line.strip())


def _distinct_cells(row) -> list[SourceCell]:
    seen, cells = set(), []
    for cell in row:
        if cell.origin not in seen:
            seen.add(cell.origin)
            cells.append(cell)
    return cells


def _int_attribute(element, name: str, default: int) -> int:
    if element is None:
        return default
    try:
        return max(int(element.get(f"{W}{name}", default)), 1)
    except ValueError:
        return default


def _is_body_table(element) -> bool:
    parent = element.getparent() if element is not None else None
    return element is not None and element.tag == f"{W}tbl" and parent is not None and parent.tag == f"{W}body"


def _drop(element) -> None:
    """Free what was read: the element's content and the siblings read before it."""
    element.clear()
    while element.getprevious() is not None:
        del element.getparent()[0]


class _Grid:
    """A table's rows as a grid: a cell spanning columns (gridSpan) or rows (vMerge) fills each position."""

    def __init__(self, *, budget: _Budget, nesting: int):
        self.budget, self.nesting = budget, nesting
        self.rows: list[list[SourceCell]] = []

    def add(self, row) -> None:
        if len(self.rows) >= MAX_TABLE_ROWS:
            raise PlanParseError(_("A table has more than %(limit)d rows.") % {"limit": MAX_TABLE_ROWS})
        r = len(self.rows)
        cells: list[SourceCell] = []
        properties = row.find(f"{W}trPr")
        before = properties.find(f"{W}gridBefore") if properties is not None else None
        for _skipped in range(_int_attribute(before, "val", 0) if before is not None else 0):
            cells.append(SourceCell(text="", origin=(r, len(cells))))
        for cell in row:
            if cell.tag != f"{W}tc":
                continue
            cell_properties = cell.find(f"{W}tcPr")
            span = _int_attribute(cell_properties.find(f"{W}gridSpan") if cell_properties is not None else None,
                                  "val", 1)
            merge = cell_properties.find(f"{W}vMerge") if cell_properties is not None else None
            column = len(cells)
            if column + span > MAX_TABLE_COLUMNS:
                raise PlanParseError(_("A table has more than %(limit)d columns.") % {"limit": MAX_TABLE_COLUMNS})
            above = self.rows[r - 1][column] if r and column < len(self.rows[r - 1]) else None
            if merge is not None and merge.get(f"{W}val", "continue") == "continue" and above is not None:
                source = above
            else:
                source = SourceCell(text=_cell_text(cell, budget=self.budget, nesting=self.nesting), origin=(r, column))
            cells.extend([source] * span)
        self.rows.append(cells)

    def table(self, *, number: int) -> SourceTable:
        return SourceTable(number=number, rows=_squared(self.rows))


def _docx_table(table, *, number: int, budget: _Budget, nesting: int) -> SourceTable:
    grid = _Grid(budget=budget, nesting=nesting)
    for row in table:
        if row.tag == f"{W}tr":
            grid.add(row)
    return grid.table(number=number)


def _squared(grid: list[list[SourceCell]]) -> tuple[tuple[SourceCell, ...], ...]:
    width = max((len(row) for row in grid), default=0)
    return tuple(
        tuple(row) + tuple(SourceCell(text="", origin=(r, c)) for c in range(len(row), width))
        for r, row in enumerate(grid)
    )


# -- .xlsx ---------------------------------------------------------------------------------------


def _xlsx_document(data: bytes) -> SourceDocument:
    if data.startswith(OLE_SIGNATURE):
        raise PlanParseError(_("This is an old Excel (.xls) file renamed to .xlsx; open it in Excel and save it as .xlsx."))
    archive = _open_archive(data, _corrupt_xlsx_error)
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises anything from KeyError to lxml errors on bad input
        raise _corrupt_xlsx_error() from error
    try:
        sheets = [sheet for sheet in workbook.worksheets if hasattr(sheet, "iter_rows")]
        if not sheets:
            raise _corrupt_xlsx_error()
        sheet = next((s for s in sheets if BREAKDOWN_SHEET.search(s.title or "")), sheets[0])
        budget = _Budget()
        values: list[list[str]] = []
        for row in sheet.iter_rows(values_only=True):
            if len(values) >= MAX_TABLE_ROWS:
                raise PlanParseError(_("A table has more than %(limit)d rows.") % {"limit": MAX_TABLE_ROWS})
            cells = [budget.spend(_xlsx_text(value)) for value in row[:MAX_TABLE_COLUMNS + 1]]
            while cells and not cells[-1]:
                cells.pop()
            if len(cells) > MAX_TABLE_COLUMNS:
                raise PlanParseError(_("A table has more than %(limit)d columns.") % {"limit": MAX_TABLE_COLUMNS})
            values.append(cells)
        merges = _xlsx_merges(archive, getattr(sheet, "_worksheet_path", None))
    except PlanParseError:
        raise
    except Exception as error:
        raise _corrupt_xlsx_error() from error
    finally:
        workbook.close()
        archive.close()
    return SourceDocument(lines=[], tables=(_xlsx_table(values, merges, sheet=sheet.title or ""),))


def _xlsx_text(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat") and not isinstance(value, str):
        return value.strftime("%Y年%m月%d日") if hasattr(value, "strftime") else str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    # Control characters (a NUL pasted from another program) are never part of a plan's words.
    return BINARY_CONTROL.sub("", LINE_BREAK.sub("\n", str(value))).strip()


_CELL_REFERENCE = re.compile(r"^([A-Z]{1,3})(\d+)$")


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + (ord(letter) - 64)
    return number - 1


def _xlsx_merges(archive: zipfile.ZipFile, path: str | None) -> list[tuple[int, int, int, int]]:
    """Merged ranges of the sheet as (first row, first column, last row, last column), 0-based."""
    if not path:
        return []
    from lxml import etree

    ranges = []
    with archive.open(path.lstrip("/")) as stream:
        for _event, element in etree.iterparse(stream, events=("end",), resolve_entities=False, no_network=True):
            if element.tag == f"{SPREADSHEET}mergeCell":
                first, _sep, last = (element.get("ref") or "").partition(":")
                start, end = _CELL_REFERENCE.match(first), _CELL_REFERENCE.match(last or first)
                if start and end:
                    ranges.append((int(start[2]) - 1, _column_number(start[1]), int(end[2]) - 1, _column_number(end[1])))
            if element.tag in (f"{SPREADSHEET}row", f"{SPREADSHEET}mergeCell"):
                element.clear()
    return ranges


def _xlsx_table(values: list[list[str]], merges, *, sheet: str) -> SourceTable:
    width = min(max((len(row) for row in values), default=0), MAX_TABLE_COLUMNS)
    grid = [[SourceCell(text=row[c] if c < len(row) else "", origin=(r, c)) for c in range(width)]
            for r, row in enumerate(values)]
    for first_row, first_column, last_row, last_column in merges:
        if first_row >= len(grid) or first_column >= width:
            continue
        source = grid[first_row][first_column]
        for r in range(first_row, min(last_row, len(grid) - 1) + 1):
            for c in range(first_column, min(last_column, width - 1) + 1):
                grid[r][c] = source
    return SourceTable(number=1, rows=tuple(tuple(row) for row in grid), sheet=sheet)
