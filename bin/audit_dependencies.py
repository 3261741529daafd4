"""The dependency audit: pip-audit over the exact pins of requirements.txt, in CI (`.ci/run`).

Fails (exit 1) when a pinned package has a known vulnerability that a newer release fixes:
raise the pin to a fixed version (see the README, "Dependencies"). A vulnerability with no fix
yet is printed, not failed on. pip-audit asks an advisory service (PyPI's JSON API, or OSV with
UNIONPLAN_AUDIT_SERVICE=osv); a registry mirror that serves packages but not advisories leaves
every pin unaudited: that is said plainly ("could not be audited") and is a failure only when
UNIONPLAN_REQUIRE_AUDIT=1, so a network without the service does not block every change.

    python3 -m venv .venv-audit && .venv-audit/bin/pip install -r requirements-audit.txt
    .venv/bin/python bin/audit_dependencies.py            # finds .venv-audit/bin/pip-audit
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Verdict:
    pins: int = 0
    audited: int = 0
    fixable: list = field(default_factory=list)  # "name version: id → fixed in"
    unfixed: list = field(default_factory=list)
    skipped: list = field(default_factory=list)

    def fails(self, *, require_audit: bool) -> bool:
        return bool(self.fixable) or (require_audit and self.audited < self.pins)

    def summary(self) -> str:
        return (f"dependency audit: {self.pins} pins, {self.audited} audited, {len(self.fixable)} vulnerabilities "
                f"with a fix, {len(self.unfixed)} without, {len(self.skipped)} could not be audited")


def verdict(report: dict) -> Verdict:
    """What pip-audit's JSON report (`-f json`) says about the pins."""
    result = Verdict()
    for dependency in report.get("dependencies", []):
        result.pins += 1
        if dependency.get("skip_reason"):
            result.skipped.append(f"{dependency['name']}: {dependency['skip_reason']}")
            continue
        result.audited += 1
        for vulnerability in dependency.get("vulns", []):
            line = f"{dependency['name']} {dependency.get('version', '')}: {vulnerability.get('id')}"
            fixes = vulnerability.get("fix_versions") or []
            if fixes:
                result.fixable.append(f"{line} → fixed in {', '.join(fixes)}")
            else:
                result.unfixed.append(f"{line} (no fix released yet)")
    return result


def main() -> int:
    tool = os.environ.get("PIP_AUDIT") or str(ROOT / ".venv-audit" / "bin" / "pip-audit")
    service = os.environ.get("UNIONPLAN_AUDIT_SERVICE", "pypi")
    command = [tool, "-r", str(ROOT / "requirements.txt"), "--no-deps", "--disable-pip", "--progress-spinner", "off",
               "-f", "json", "-s", service, "--timeout", "30"]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=900)
    try:
        report = json.loads(finished.stdout or "{}")
    except json.JSONDecodeError:
        report = {}
    if not report.get("dependencies"):
        # pip-audit could not run at all (the service unreachable, say): no verdict on any pin.
        print(finished.stderr.strip().splitlines()[-1:] or ["pip-audit gave no report"], file=sys.stderr)
        report = {"dependencies": [{"name": "*", "skip_reason": "pip-audit gave no report"}]}
    result = verdict(report)
    for line in result.fixable:
        print(f"VULNERABLE {line}")
    for line in result.unfixed:
        print(f"known, no fix yet: {line}")
    if result.skipped and result.audited == 0:
        print(f"no advisory service answered ({service}): no pin could be audited; first: {result.skipped[0]}")
    print(result.summary())
    return 1 if result.fails(require_audit=os.environ.get("UNIONPLAN_REQUIRE_AUDIT") == "1") else 0


if __name__ == "__main__":
    sys.exit(main())
