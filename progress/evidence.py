"""What an evidence file may be: checked by content, not by its name."""

from __future__ import annotations

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


def validate_evidence(upload) -> EvidenceUpload:
    """Return the upload if its type and size are allowed; a ValidationError names the file otherwise."""
    name = PurePath(upload.name or "").name
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
    return response
