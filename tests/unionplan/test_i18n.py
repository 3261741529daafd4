"""Chinese by default, English on request, and every string translated."""

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

LOCALE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"


def test_login_page_speaks_chinese_by_default(client, db):
    page = client.get(reverse("login")).content.decode()
    assert "登录" in page
    assert 'lang="zh-hans"' in page


def test_english_is_available(client, db):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("login")).content.decode()
    assert "Log in" in page


def _po_entries(path: Path) -> dict[str, str]:
    entries, msgid, msgstr, current = {}, None, None, None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if line.startswith("msgid "):
            if msgid:
                entries[msgid] = msgstr
            msgid, msgstr, current = _unquote(line[6:]), "", "id"
        elif line.startswith("msgstr "):
            msgstr, current = _unquote(line[7:]), "str"
        elif line.startswith("msgstr[0] "):
            msgstr, current = _unquote(line[10:]), "str"
        elif line.startswith('"') and current:
            if current == "id":
                msgid += _unquote(line)
            else:
                msgstr += _unquote(line)
        elif not line.strip():
            current = None
    if msgid:
        entries[msgid] = msgstr
    return entries


def _unquote(text: str) -> str:
    return re.sub(r'\\(["\\n])', lambda m: {"n": "\n"}.get(m.group(1), m.group(1)), text.strip()[1:-1])


def test_every_message_has_a_chinese_translation_and_the_mo_is_current():
    po = LOCALE / "django.po"
    entries = {k: v for k, v in _po_entries(po).items() if k}
    untranslated = [msgid for msgid, msgstr in entries.items() if not msgstr]
    assert not untranslated
    fuzzy = "#, fuzzy" in po.read_text(encoding="utf-8").split("\n\n", 1)[1]
    assert not fuzzy
    import gettext

    catalog = gettext.GNUTranslations(open(LOCALE / "django.mo", "rb"))
    stale = [
        msgid
        for msgid, msgstr in entries.items()
        if "\x04" not in msgid and "%(counter)s" not in msgid and catalog.gettext(msgid) != msgstr
    ]
    assert not stale, "django.mo is older than django.po: run compilemessages"


TRANSLATION_CALLS = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy"}


def _translated(tree) -> set[int]:
    """Constants passed to a translation call: their Chinese is a msgid, seen by makemessages."""
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) in TRANSLATION_CALLS:
            ids |= {id(arg) for arg in node.args if isinstance(arg, ast.Constant)}
    return ids


def _docstrings(tree) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


@pytest.mark.parametrize(
    "module", ["core", "departments", "notifications", "tasks", "progress", "supervision", "dashboard", "brands", "search",
               "ops", "unionplan"],
)
def test_no_user_facing_chinese_literal_outside_translations(module):
    # A Chinese literal in code (other than docstrings and the vocabulary of document words the
    # importers and the numeral reader recognize) would reach English users untranslated.
    root = Path(settings.BASE_DIR) / module
    offenders = []
    for path in root.rglob("*.py"):
        if "migrations" in path.parts or "importer" in path.parts or path.name == "numerals.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = _docstrings(tree) | _translated(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docstrings
                and re.search(r"[\u4e00-\u9fff]", node.value)
            ):
                offenders.append(f"{path.relative_to(root)}:{node.lineno}")
    assert not offenders


def test_browser_language_does_not_override_chinese(client, db):
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "登录" in page
