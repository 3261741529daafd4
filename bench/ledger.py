"""Benchmark: a department's 台账 with 1 GB of evidence, streamed; peak memory and time of the process.

    .venv/bin/python bench/ledger.py [--files 100 --mb 10 --verify]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/unionplan .venv/bin/python bench/ledger.py

In a throw-away test database, imports the 2020 plan, gives 办公室 one report on each of its items and spreads
`--files` evidence files of `--mb` MB of random bytes over them (written under a temporary MEDIA_ROOT in /tmp,
registered as Evidence rows), then downloads the department's zip through the Django test client, reading the
stream chunk by chunk and dropping it (with --verify: to a file in the same temporary folder, opened afterwards
with zipfile and checked). Prints the bytes streamed, the time, the number of queries, the largest chunk, and
the process's resident memory before and its peak during the download (VmHWM, reset just before the download
through /proc/self/clear_refs where the kernel allows it). Everything under /tmp is deleted at the end.
Never part of the test suite.
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import tempfile
import time
import zipfile
from pathlib import Path

from harness import throwaway_database


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _reset_peak() -> bool:
    """Set VmHWM back to the current RSS (Linux ≥ 4.0); False where that is not allowed."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _build(media: Path, files: int, size: int):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from departments.models import Department, Membership
    from departments.services import membership_set
    from progress.models import Evidence, ProgressReport
    from tests.conftest import import_document

    plan = import_document().plan
    office = Department.objects.get(name="办公室")
    head = get_user_model().objects.create_user("bench_head", password="pw-for-bench-1")
    membership_set(user=head, department=office, role=Membership.Role.HEAD)
    items = [r.item for r in office.responsibilities.filter(item__section__plan=plan).select_related("item")]
    reports = [ProgressReport.objects.create(item=item, department=office, role="lead", reporter=head,
                                             status="in_progress", percent=50, narrative="按计划推进。")
               for item in items]
    rows = []
    chunk = 1024 * 1024
    for n in range(files):
        report = reports[n % len(reports)]
        name = f"evidence/{report.item_id}/bench{n:04d}"
        path = media / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as out:
            out.write(b"%PDF-1.4\n")
            written = 9
            while written < size:
                block = os.urandom(min(chunk, size - written))
                out.write(block)
                written += len(block)
        rows.append(Evidence(report=report, file=name, original_name=f"佐证材料{n:03d}.pdf",
                             content_type="application/pdf", size=size, uploaded_at=timezone.now()))
    Evidence.objects.bulk_create(rows)
    return plan, office, head, len(items)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--mb", type=int, default=10)
    parser.add_argument("--verify", action="store_true", help="write the zip to /tmp and check it with zipfile")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ledger-bench-", dir="/tmp"))
    media = work / "media"
    try:
        with throwaway_database() as connection:
            from django.conf import settings
            from django.core.signals import request_started
            from django.db import reset_queries
            from django.test import Client
            from django.test.utils import CaptureQueriesContext
            from django.urls import reverse

            settings.MEDIA_ROOT = str(media)
            settings.ALLOWED_HOSTS = ["*"]
            size = args.mb * 1024 * 1024
            started = time.perf_counter()
            plan, office, head, item_count = _build(media, args.files, size)
            print(f"built: {item_count} items of 办公室, {args.files} files × {args.mb} MB = "
                  f"{args.files * size / 2**30:.2f} GiB under {media} in {time.perf_counter() - started:.1f} s")
            client = Client()
            client.force_login(head)
            url = reverse("assessment:ledger-department", args=[office.pk]) + f"?plan={plan.pk}"
            gc.collect()
            rss_before = _status_kb("VmRSS")
            reset = _reset_peak()
            hwm_before = _status_kb("VmHWM")
            out = (work / "ledger.zip").open("wb") if args.verify else None
            total = chunks = biggest = 0
            request_started.disconnect(reset_queries)
            try:
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    response = client.get(url)
                    assert response.status_code == 200, response.status_code
                    for chunk in response.streaming_content:
                        total += len(chunk)
                        chunks += 1
                        biggest = max(biggest, len(chunk))
                        if out:
                            out.write(chunk)
                    response.close()
                    elapsed = time.perf_counter() - started
            finally:
                request_started.connect(reset_queries)
            hwm = _status_kb("VmHWM")
            print(f"streamed: {total / 2**20:.1f} MiB in {chunks} chunks (largest {biggest / 2**20:.2f} MiB) "
                  f"in {elapsed:.1f} s = {total / 2**20 / elapsed:.0f} MiB/s; {len(queries)} queries")
            print(f"memory: RSS before {rss_before / 1024:.1f} MiB; peak during the download {hwm / 1024:.1f} MiB "
                  f"(+{(hwm - rss_before) / 1024:.1f} MiB)"
                  + ("" if reset else f" — peak not reset (clear_refs refused), VmHWM before {hwm_before / 1024:.1f}"))
            if out:
                out.close()
                with zipfile.ZipFile(work / "ledger.zip") as archive:
                    names = archive.namelist()
                    evidence = [n for n in names if n.endswith(".pdf")]
                    bad = archive.testzip()
                print(f"verified: {len(names)} entries, {len(evidence)} evidence files, "
                      f"{'all CRCs good' if bad is None else 'bad entry ' + bad}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
        print(f"removed {work}")


if __name__ == "__main__":
    main()
