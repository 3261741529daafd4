"""What an evidence file may be: checked by content, not by its name."""

from __future__ import annotations

import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import PurePath
from urllib.parse import quote

from django import forms
from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class EvidenceUpload:
    """A checked upload, ready for report_submit."""

    name: str
    content_type: str
    size: int
    file: object  # an UploadedFile


MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
MAX_EVIDENCE_FILES = 5
MAX_REPORT_BYTES = 30 * 1024 * 1024  # all files of one report
MAX_DEPARTMENT_BYTES_PER_DAY = 200 * 1024 * 1024  # all files a department uploads in a day

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .doc .xls .ppt
_ZIP = b"PK\x03\x04"  # .docx .xlsx .pptx .zip
# extension -> (content type, signatures the file must start with; None = plain text)
ALLOWED = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".doc": ("application/msword", (_OLE,)),
    ".xls": ("application/vnd.ms-excel", (_OLE,)),
    ".ppt": ("application/vnd.ms-powerpoint", (_OLE,)),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (_ZIP,)),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (_ZIP,)),
    ".pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", (_ZIP,)),
    ".zip": ("application/zip", (_ZIP,)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".txt": ("text/plain", None),
}


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            head.decode(encoding)
            return True
        except UnicodeDecodeError as error:
            # A multi-byte character cut at the end of the sample is still text.
            if error.start >= len(head) - 4:
                return True
    return False


MAX_NAME_CHARACTERS = 120
# Active content, whatever the extension says: a browser or an office suite would run it.
_ACTIVE_MARKERS = re.compile(
    rb"<\s*(?:script|html|svg|iframe|object|embed|body|meta|xml|\?xml|!doctype|xsl)\b|javascript:", re.IGNORECASE)
_EXECUTABLES = (b"MZ", b"\x7fELF", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe", b"\xfe\xed\xfa", b"#!")
# In a PDF: script, launching programs, embedded files, Flash, XFA forms (/OpenAction alone is
# how most PDFs open at their first page: kept).
_PDF_ACTIVE = re.compile(rb"/(?:JavaScript|JS|Launch|EmbeddedFile|RichMedia|XFA)\b")
_PDF_ACTIVE_LONG = re.compile(rb"/(?:JavaScript|Launch|EmbeddedFile|RichMedia|XFA)\b")
# A name may spell its letters as #xx (/J#61vaScript is /JavaScript).
_PDF_ESCAPED_NAME = re.compile(rb"/[^\s/<>\[\]()%{}]*#[0-9A-Fa-f]{2}[^\s/<>\[\]()%{}]*")
# Since PDF 1.5 objects (dictionaries, actions among them) may sit compressed in object streams,
# out of sight of a search of the file: those are unpacked, within these bounds, and searched too.
_PDF_STREAM_START = re.compile(rb">>\s*stream(?:\r\n|\n|\r)")
_PDF_OBJSTM_MAX = 20 * 1024 * 1024  # unpacked, one object stream
_PDF_OBJSTM_TOTAL = 64 * 1024 * 1024  # unpacked, all of a file's
_VBA = "_VBA_PROJECT".encode("utf-16-le")  # the stream every VBA project (macro) has in an OLE file
_ZIP_MAX_MEMBERS = 1000
_ZIP_MAX_UNPACKED = 100 * 1024 * 1024
_ZIP_MAX_RATIO = 100
_ZIP_REFUSED_SUFFIXES = {".exe", ".dll", ".com", ".bat", ".cmd", ".ps1", ".vbs", ".js", ".jse", ".wsf", ".scr",
                         ".msi", ".jar", ".sh", ".html", ".htm", ".xhtml", ".svg", ".hta", ".lnk", ".docm", ".xlsm",
                         ".pptm", ".dotm", ".xltm", ".potm", ".ppsm", ".sldm", ".xlam", ".ppam"}


def clean_file_name(raw: str) -> str:
    """The name a file is shown and downloaded under: no path (either slash), no control, format
    or bidi characters (U+202E would show “gpj.exe” as “exe.jpg”), no leading dots, at most
    MAX_NAME_CHARACTERS characters with the extension kept; never empty."""
    name = re.split(r"[\\/]", raw or "")[-1]
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] not in ("C", "Z")
                   or ch == " ")
    name = name.strip(" .")
    if len(name) > MAX_NAME_CHARACTERS:
        suffix = PurePath(name).suffix[:16]
        name = name[: MAX_NAME_CHARACTERS - len(suffix)] + suffix
    return name or "file"


def _read_all(upload) -> bytes:
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    return data


def _zip_problem(data: bytes, *, office: bool) -> str | None:
    """Why a zip (or an Office Open XML file, a zip too) is refused: a bomb, a path that climbs out,
    macros, or active content inside; None when it is fine."""
    import io

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return _("it is not a readable zip file")
    if len(members) > _ZIP_MAX_MEMBERS:
        return _("it holds more than %(count)d files") % {"count": _ZIP_MAX_MEMBERS}
    unpacked = sum(member.file_size for member in members)
    packed = sum(member.compress_size for member in members) or 1
    if unpacked > _ZIP_MAX_UNPACKED or unpacked / packed > _ZIP_MAX_RATIO:
        return _("it unpacks to far more than it holds (a zip bomb)")
    for member in members:
        name = member.filename.replace("\\", "/")
        if name.startswith("/") or ".." in name.split("/") or re.match(r"^[A-Za-z]:", name):
            return _("a file inside climbs out of the archive (%(name)s)") % {"name": clean_file_name(name)}
        lowered = name.lower()
        if lowered.endswith("vbaproject.bin") or "macroenabled" in lowered:
            return _("it holds macros")
        if not office and PurePath(lowered).suffix in _ZIP_REFUSED_SUFFIXES:
            return _("it holds a program or a web page (%(name)s)") % {"name": clean_file_name(name)}
    if office:
        try:
            types = archive.read("[Content_Types].xml")
        except KeyError:
            return _("it is not an Office document")
        if b"macroEnabled" in types or b"vbaProject" in types:
            return _("it holds macros")
    return None


def _pdf_names_active(data: bytes) -> bool:
    if _PDF_ACTIVE.search(data):
        return True
    return _pdf_escaped_names_active(data)


def _pdf_escaped_names_active(data: bytes) -> bool:
    for name in _PDF_ESCAPED_NAME.finditer(data):
        plain = re.sub(rb"#([0-9A-Fa-f]{2})", lambda hexed: bytes([int(hexed.group(1), 16)]), name.group())
        if _PDF_ACTIVE.search(plain + b" "):
            return True
    return False


def _pdf_outside_streams(data: bytes) -> bytes:
    """The file without the bodies of its streams, each taken by its own /Length as a reader does
    (a body whose length does not end at "endstream" is kept, and searched)."""
    pieces, kept_from = [], 0
    for start in _PDF_STREAM_START.finditer(data):
        if start.start() < kept_from:
            continue
        head = data[max(0, start.start() - 4096):start.start()]
        length = re.findall(rb"/Length\s+(\d{1,10})(?!\s+\d+\s+R)", head[head.rfind(b"obj") + 3:])
        if not length:
            continue
        end = start.end() + int(length[-1])
        if not data[end:end + 16].lstrip().startswith(b"endstream"):
            continue
        pieces.append(data[kept_from:start.end()])
        kept_from = end
    pieces.append(data[kept_from:])
    return b"".join(pieces)


def _unpack_flate(raw: bytes, limit: int) -> bytes | None:
    """What a FlateDecode stream unpacks to (up to a damaged end, as readers do); None past `limit`."""
    inflater = zlib.decompressobj()
    out = bytearray()
    for start in range(0, len(raw), 65536):
        try:
            out += inflater.decompress(raw[start:start + 65536], limit + 1 - len(out))
        except zlib.error:
            break
        if len(out) > limit or inflater.unconsumed_tail:
            return None
        if inflater.eof:
            break
    return bytes(out)


def _pdf_problem(data: bytes) -> str | None:
    """Why a PDF would run something: script, launch, embedded files, Flash or XFA, named openly,
    with #xx escapes, or inside a compressed object stream; None when none is found."""
    # Compressed streams (pages, fonts, images) are random bytes, in which the three bytes "/JS"
    # turn up about once in 20 MB: the short name is looked for outside the streams' bodies only.
    # The long ones are looked for everywhere (a script's action always names /JavaScript too).
    outside = _pdf_outside_streams(data)
    if _PDF_ACTIVE_LONG.search(data) or _PDF_ACTIVE.search(outside) or _pdf_escaped_names_active(outside):
        return _("it holds script or actions")
    budget = _PDF_OBJSTM_TOTAL
    for start in _PDF_STREAM_START.finditer(data):
        head = data[max(0, start.start() - 4096):start.start()]
        dictionary = head[head.rfind(b"obj") + 3:] if b"obj" in head else head
        if b"/ObjStm" not in dictionary:
            continue
        end = data.find(b"endstream", start.end())
        raw = data[start.end():end if end >= 0 else len(data)]
        if b"/Filter" not in dictionary:
            unpacked = raw
        elif re.search(rb"/Filter\s*(?:\[\s*)?/FlateDecode\s*\]?\s*(?:/|>>|$)", dictionary):
            unpacked = _unpack_flate(raw, min(_PDF_OBJSTM_MAX, budget))
            if unpacked is None:
                return _("its compressed objects unpack to far more than the file holds")
        else:
            # Object streams are Flate-compressed in every PDF writer we know; another filter
            # (or a chain of them) is a way to hide what is inside.
            return _("it hides its objects in a way that cannot be checked")
        budget -= len(unpacked)
        if _pdf_names_active(unpacked):
            return _("it holds script or actions")
    return None


def _active_content(data: bytes, suffix: str) -> str | None:
    """Why content would run in a browser, a PDF reader or an office suite; None when it would not."""
    if data.startswith(_EXECUTABLES):
        return _("it is a program")
    if suffix == ".pdf":
        problem = _pdf_problem(data)
        if problem:
            return problem
        # A polyglot: a PDF that is also a web page.
        if _ACTIVE_MARKERS.search(data[:4096]):
            return _("it is also a web page")
        return None
    if suffix in (".doc", ".xls", ".ppt"):
        return _("it holds macros") if _VBA in data else None
    if suffix in (".docx", ".xlsx", ".pptx"):
        return _zip_problem(data, office=True)
    if suffix == ".zip":
        return _zip_problem(data, office=False)
    # Images and text: a web page, an SVG or a script hidden in them is refused.
    if _ACTIVE_MARKERS.search(data if suffix == ".txt" else data[:4096] + data[-4096:]):
        return _("it holds a web page or script")
    return None


def validate_evidence(upload) -> EvidenceUpload:
    """Return the upload if its type and size are allowed and it carries no active content; a
    ValidationError names the file otherwise."""
    name = clean_file_name(upload.name or "")
    words = {"name": name}
    if upload.size > MAX_EVIDENCE_BYTES:
        raise forms.ValidationError(
            _("“%(name)s” is larger than %(limit)d MB.") % (words | {"limit": MAX_EVIDENCE_BYTES // (1024 * 1024)}),
            code="too_large",
        )
    if upload.size == 0:
        raise forms.ValidationError(_("“%(name)s” is empty.") % words, code="empty")
    suffix = PurePath(name).suffix.lower()
    if suffix not in ALLOWED:
        raise forms.ValidationError(
            _("“%(name)s”: this file type is not accepted (PDF, Word, Excel, PowerPoint, images, text or zip).") % words,
            code="type",
        )
    content_type, signatures = ALLOWED[suffix]
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    matches = _looks_like_text(head) if signatures is None else head.startswith(signatures)
    if not matches:
        raise forms.ValidationError(
            _("“%(name)s”: the content does not match its %(suffix)s extension.") % (words | {"suffix": suffix}),
            code="content",
        )
    problem = _active_content(_read_all(upload), suffix)
    if problem:
        raise forms.ValidationError(
            _("“%(name)s” is not accepted: %(why)s.") % (words | {"why": problem}), code="active")
    return EvidenceUpload(name=name, content_type=content_type, size=upload.size, file=upload)


def evidence_response(evidence) -> HttpResponse:
    """The stored file as a download under its original name (pages and the API); 404 if it is gone.

    Asked only after the permission check. Behind nginx the file itself is sent by nginx
    (X-Accel-Redirect to an internal location on MEDIA_ROOT), so a slow download holds no
    gunicorn worker. Never kept by a browser or a shared cache: evidence is for those allowed.
    """
    prefix = settings.UNIONPLAN_EVIDENCE_ACCEL_REDIRECT
    if prefix:
        if not evidence.file.storage.exists(evidence.file.name):
            raise Http404
        response = HttpResponse(content_type=evidence.content_type)
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + quote(evidence.file.name)
        response["Content-Disposition"] = content_disposition_header(True, evidence.original_name)
    else:
        try:
            handle = evidence.file.open("rb")
        except FileNotFoundError:
            raise Http404
        response = FileResponse(handle, as_attachment=True, filename=evidence.original_name,
                                content_type=evidence.content_type)
    response["Cache-Control"] = "private, no-store"
    # Never shown inline, never sniffed into HTML, and sandboxed should a browser render it anyway.
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response
