"""bin/audit_dependencies.py: what fails the build in pip-audit's report, and what only says so."""

import importlib.util
import sys
from pathlib import Path

spec = importlib.util.spec_from_file_location(
    "audit_dependencies", Path(__file__).resolve().parents[2] / "bin" / "audit_dependencies.py")
audit = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = audit  # dataclasses look their module up while the class is made
spec.loader.exec_module(audit)


def test_a_vulnerability_with_a_fix_fails_the_build():
    result = audit.verdict({"dependencies": [
        {"name": "django", "version": "5.2.1", "vulns": [{"id": "PYSEC-1", "fix_versions": ["5.2.2"]}]},
        {"name": "lxml", "version": "6.1.3", "vulns": []},
    ]})
    assert result.fails(require_audit=False)
    assert result.fixable == ["django 5.2.1: PYSEC-1 → fixed in 5.2.2"]
    assert result.summary().startswith("dependency audit: 2 pins, 2 audited, 1 vulnerabilities with a fix")


def test_a_vulnerability_without_a_fix_is_reported_not_failed():
    result = audit.verdict({"dependencies": [
        {"name": "lxml", "version": "6.1.3", "vulns": [{"id": "GHSA-x", "fix_versions": []}]}]})
    assert not result.fails(require_audit=False) and result.unfixed


def test_pins_no_service_could_audit_fail_only_when_the_audit_is_required():
    result = audit.verdict({"dependencies": [{"name": "django", "skip_reason": "Dependency not found on PyPI"}]})
    assert result.skipped and result.audited == 0
    assert not result.fails(require_audit=False)
    assert result.fails(require_audit=True)
