"""Uploaded bytes -> the document's lines, or a PlanParseError a user can act on.

Line numbers in the parser's messages count the lines returned here (1-based),
so blank lines are kept: dropping them would shift every number after them.
"""

from __future__ import annotations

import codecs
import re
import zipfile
from io import BytesIO
from pathlib import PurePath

from django.utils.translation import gettext as _

from .document import PlanParseError

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
# A .docx is a zip: a small upload can still inflate to gigabytes of XML.
MAX_DOCX_UNPACKED_BYTES = 20 * MAX_DOCUMENT_BYTES

TEXT_SUFFIXES = frozenset({".txt"})
DOCX_SUFFIX = ".docx"
OLD_WORD_SUFFIXES = frozenset({".doc", ".wps", ".rtf"})
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .doc / .wps containers

UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# Control characters never found in a typed document; \t, \n, \v, \f, \r are.
BINARY_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
LINE_BREAK = re.compile(r"\r\n|[\r\v\f\u2028\u2029]")
# str.rstrip() already covers NBSP and U+3000; zero-width marks are not "whitespace".
TRAILING_BLANK = re.compile(r"[\s\u200b\u200c\u200d\ufeff]+$")


def read_document(data: bytes, *, filename: str) -> list[str]:
    """The document's lines (paragraphs), trailing blanks stripped, blank lines kept."""
    if len(data) > MAX_DOCUMENT_BYTES:
        raise PlanParseError(
            _("The file is larger than %(limit)d MB; a work plan is much smaller.")
            % {"limit": MAX_DOCUMENT_BYTES // (1024 * 1024)}
        )
    if not data.strip():
        raise PlanParseError(_("The document is empty."))
    suffix = PurePath(filename or "").suffix.lower()
    if suffix == DOCX_SUFFIX:
        lines = _docx_lines(data)
    elif suffix in TEXT_SUFFIXES:
        lines = split_lines(_decoded_text(data))
    else:
        raise _unsupported_type(suffix, filename)
    if not any(line.strip() for line in lines):
        raise PlanParseError(_("The document is empty."))
    return lines


def split_lines(text: str) -> list[str]:
    """Normalised lines of a text: \\r\\n and \\r become \\n, trailing blanks go."""
    text = LINE_BREAK.sub("\n", text).removeprefix("\ufeff").removesuffix("\n")
    return [TRAILING_BLANK.sub("", line) for line in text.split("\n")]


def _unsupported_type(suffix: str, filename: str) -> PlanParseError:
    if suffix in OLD_WORD_SUFFIXES:
        return PlanParseError(
            _("Old Word files (%(suffix)s) cannot be read; save the document as .docx or .txt.") % {"suffix": suffix}
        )
    return PlanParseError(
        _("“%(filename)s” is not a supported file; save the document as .docx or .txt.") % {"filename": filename}
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


def _docx_lines(data: bytes) -> list[str]:
    if data.startswith(OLE_SIGNATURE):
        raise PlanParseError(
            _("This is an old Word (.doc) file renamed to .docx; open it in Word and save it as .docx.")
        )
    _check_docx_container(data)
    import docx  # python-docx is only needed for this format

    try:
        document = docx.Document(BytesIO(data))
        paragraphs = [paragraph.text for paragraph in document.paragraphs]
    except Exception as error:  # python-docx raises anything from KeyError to lxml errors on bad input
        raise _corrupt_docx_error() from error
    # A soft line break (Shift+Enter) shows as a new line to the reader: count it as one.
    return [line for paragraph in paragraphs for line in split_lines(paragraph or "")]


def _check_docx_container(data: bytes) -> None:
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise _corrupt_docx_error() from error
    if unpacked > MAX_DOCX_UNPACKED_BYTES:
        raise PlanParseError(
            _("The file is larger than %(limit)d MB; a work plan is much smaller.")
            % {"limit": MAX_DOCUMENT_BYTES // (1024 * 1024)}
        )


def _corrupt_docx_error() -> PlanParseError:
    return PlanParseError(_("The .docx file is damaged or is not a Word document; save it again as .docx or .txt."))
