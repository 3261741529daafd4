"""The house's import rules hold for templates too: a template loads tag libraries only of apps its app may import.

The rules are read from `.importlinter` (the contract `lint-imports` checks for
Python imports), so there is one statement of them.
"""

from __future__ import annotations

import configparser
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import engines
from django.template.backends.django import get_installed_libraries

HOUSE = Path(settings.BASE_DIR)
TEMPLATES = HOUSE / "templates"
LOAD = re.compile(r"{%\s*load\s+(?P<args>[^%]+?)\s*%}")
# Templates of no app: the page layout and shared partials stand with core (they may load nothing of
# ours); overrides of the framework's and third parties' templates are wiring (unionplan).
WIRING_DIRS = {"admin", "drf_spectacular", "simple_history", "registration"}


def house_rules(path: Path = HOUSE / ".importlinter") -> dict[str, set[str]]:
    """app -> the apps of ours it may import, from the layers and forbidden contracts."""
    config = configparser.ConfigParser()
    config.read(path, encoding="utf-8")
    ours = config["importlinter"]["root_packages"].split()
    allowed: dict[str, set[str]] = {app: set() for app in ours}
    for section in config.sections():
        contract = config[section]
        if contract.get("type") == "layers":
            floors = [[name.strip() for name in line.split("|")] for line in contract["layers"].split("\n") if line.strip()]
            for height, floor in enumerate(floors):
                below = {app for lower in floors[height + 1:] for app in lower}
                for app in floor:
                    allowed[app] |= below
    for section in config.sections():
        contract = config[section]
        if contract.get("type") == "forbidden":
            for source in contract["source_modules"].split():
                allowed[source] -= set(contract["forbidden_modules"].split())
    return allowed


def owner(template_name: str, apps: set[str]) -> str:
    first = template_name.split("/", 1)[0]
    if "/" in template_name and first in apps:
        return first
    return "unionplan" if first in WIRING_DIRS else "core"


def loaded_libraries(source: str) -> list[str]:
    names = []
    for match in LOAD.finditer(source):
        words = match["args"].split()
        # {% load a b %} or {% load name from library %}
        names.extend(words[words.index("from") + 1:] if "from" in words else words)
    return names


def breaches(sources: dict[str, str], *, libraries: dict[str, str], rules: dict[str, set[str]]) -> list[str]:
    """'template loads library (app)' for every load of a library of ours its app may not import."""
    apps = set(rules)
    found = []
    for name, source in sorted(sources.items()):
        mine = owner(name, apps)
        for library in loaded_libraries(source):
            provider = libraries.get(library, "").split(".", 1)[0]
            if provider in apps and provider != mine and provider not in rules[mine]:
                found.append(f"{name} ({mine}) loads {library!r} of {provider}")
    return found


def project_templates() -> dict[str, str]:
    return {str(path.relative_to(TEMPLATES)): path.read_text(encoding="utf-8") for path in TEMPLATES.rglob("*.html")}


def test_the_rules_read_from_the_contract_are_the_house():
    rules = house_rules()
    assert rules["core"] == set()
    assert rules["tasks"] == {"departments", "core"}
    assert "dashboard" not in rules["brands"] and "brands" not in rules["dashboard"]
    assert "supervision" not in rules["brands"] and "notifications" not in rules["dashboard"]
    assert "progress" in rules["supervision"] and "supervision" not in rules["progress"]
    assert all("unionplan" not in allowed for allowed in rules.values())


@pytest.mark.parametrize("name", sorted(project_templates()))
def test_every_template_compiles(name):
    # Compiling loads every tag library the template names: an unknown or missing one fails here.
    engines["django"].get_template(name)


def test_no_template_loads_a_library_of_an_app_its_app_may_not_import():
    assert breaches(project_templates(), libraries=get_installed_libraries(), rules=house_rules()) == []


def test_a_plan_page_loading_the_brands_tags_is_a_breach():
    # given the brands' old tag library, and the plan page that loaded it
    libraries = {"brands": "brands.templatetags.brands", "i18n": "django.templatetags.i18n"}
    sources = {"tasks/plan_detail.html": "{% load i18n brands %}", "brands/board.html": "{% load brands %}",
               "dashboard/_body.html": "{% load sparkline from brands %}", "base.html": "{% load brands %}"}

    # then tasks, the dashboard and the page layout may not; brands' own page may
    assert breaches(sources, libraries=libraries, rules=house_rules()) == [
        "base.html (core) loads 'brands' of brands",
        "dashboard/_body.html (dashboard) loads 'brands' of brands",
        "tasks/plan_detail.html (tasks) loads 'brands' of brands",
    ]
