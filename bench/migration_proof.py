"""Proof that the house move lost nothing: a database built by the code before it migrates forward intact.

    .venv/bin/python bench/migration_proof.py [--before 85f5272] [--server postgres://postgres@127.0.0.1:5432]

1. Takes the commit before the move (`git archive`, no checkout of yours is
   touched) and, with that code, builds a PostgreSQL database and fills it the
   way the portal fills it: the 2020 plan, demo people, brands and milestones,
   reports approved, returned and awaiting review with target readings and
   evidence files, leadership instructions and answers, a roll-up and a daily
   snapshot, a reminder run (reminders, deliveries, in-app notices, outbox rows)
   and an admin log entry.
2. Reads what a user and an admin would see: the row count of every table,
   every guardian grant and whether a member of its group is answered yes, every
   item page's history (留痕), every evidence download, the admin history page of
   every report.
3. Migrates the same database with this checkout's code and reads it all again:
   the same row counts in every table, the same grants answering, the same
   history lines on every item page, the same files, and every beat schedule
   and stored outbox message naming a task that exists and runs.

Prints the figures and exits 1 on the first difference. Never part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
BEFORE_THE_MOVE = "85f5272"  # the last commit with reports, roll-ups and instructions in tasks/
DATABASE = "unionplan_migration_proof"

FILL = r"""
import datetime
from decimal import Decimal

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile

from departments.models import Membership
from tasks import jobs, services
from tasks.models import ProgressReport, WorkItem, WorkPlan

User = get_user_model()
plan = WorkPlan.objects.get()
plan.status = "published"
plan.save(update_fields=["status"])
items = list(WorkItem.objects.filter(section__plan=plan).order_by("section__number", "number"))


def people(department):
    staff = Membership.objects.filter(department=department, role="member").first().user
    head = Membership.objects.filter(department=department, role="head").first().user
    return staff, head


for n, item in enumerate(items[:14]):
    item.refresh_from_db()
    lead = item.responsibilities.get(role="lead").department
    staff, head = people(lead)
    readings = {t.pk: Decimal(n + 1) for t in item.targets.all() if t.kind == "count" and t.target_value is not None}
    content = b"%PDF-1.4\n" + f"evidence {n}".encode()
    evidence = [services.EvidenceUpload(f"材料{n}.pdf", "application/pdf", len(content),
                                        SimpleUploadedFile(f"e{n}.pdf", content))]
    report = services.report_submit(
        item=item, department=lead, reporter=staff, status="in_progress", percent=10 + 5 * n,
        narrative=f"第{n}项：按计划推进。", readings=readings, evidence=evidence, base_version=item.version,
    )
    if n % 4 == 3:
        services.report_return(report=report, reviewer=head, comment="请补充佐证材料。")
    elif n % 4 != 2:
        services.report_approve(report=report, reviewer=head, comment="同意。")
leader = User.objects.get(username="leader")
for n, item in enumerate(items[:6]):
    instruction = services.instruction_create(item=item, author=leader, text=f"请抓紧推进第{item.number}项。")
    if n % 2 == 0:
        staff, _head = people(item.responsibilities.get(role="lead").department)
        services.instruction_handle(instruction=instruction, user=staff, reply="已按批示落实。")
target = items[4].targets.filter(target_value__isnull=True).first() or items[4].targets.first()
if target is not None:
    services.target_fill(target=target, value=Decimal(7))
item = WorkItem.objects.get(pk=items[2].pk)
item.due_date = datetime.date(2020, 9, 30)
item.save()
jobs.rollup_refresh(plan=plan, today=datetime.date(2020, 7, 1))
jobs.snapshot_take(day=datetime.date(2020, 6, 30), plan=plan)
jobs.reminders_run(today=datetime.date(2020, 6, 25))
report = ProgressReport.objects.order_by("pk").first()
LogEntry.objects.create(
    user=User.objects.get(username="admin"), content_type=ContentType.objects.get_for_model(ProgressReport),
    object_id=str(report.pk), object_repr=str(report)[:200], action_flag=CHANGE, change_message="[]",
)
print("filled")
"""

# What a user and an admin see; the same code reads the database before and after the move.
PROBE = r"""
import hashlib, json, re
from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from guardian.core import ObjectPermissionChecker

out = {}
with connection.cursor() as cursor:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
    tables = [row[0] for row in cursor.fetchall()]
    out["rows"] = {}
    for table in tables:
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
        out["rows"][table] = cursor.fetchone()[0]
    cursor.execute("SELECT id, original_name FROM tasks_evidence ORDER BY id")
    evidence = cursor.fetchall()
    cursor.execute("SELECT id FROM tasks_progressreport ORDER BY id")
    reports = [row[0] for row in cursor.fetchall()]
    cursor.execute("SELECT history_id FROM tasks_historicalprogressreport ORDER BY 1")
    out["report_history_rows"] = len(cursor.fetchall())

User = get_user_model()
grants = []
for grant in apps.get_model("tasks", "WorkItemGroupObjectPermission").objects.select_related(
        "group", "permission", "content_object__section__plan"):
    member = User.objects.filter(groups=grant.group, is_active=True).order_by("pk").first()
    answer = None if member is None else ObjectPermissionChecker(member).has_perm(grant.permission.codename, grant.content_object)
    grants.append([grant.group.name, grant.permission.codename, grant.content_object_id, answer])
out["grants"] = sorted(grants)

from axes.models import AccessLog

logged_before = AccessLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
client = Client()
client.force_login(User.objects.get(username="admin"))
EVENT = re.compile(r'<li class="event (\w+)"><time>([^<]*)</time> <strong>([^<]*)</strong> (.*?)</li>', re.S)
out["timeline"] = {}
for item_id in apps.get_model("tasks", "WorkItem").objects.order_by("pk").values_list("pk", flat=True):
    page = client.get(f"/items/{item_id}/")
    html = page.content.decode()
    out["timeline"][str(item_id)] = [page.status_code] + EVENT.findall(html[html.index('id="timeline"'):])
out["evidence"] = {}
for evidence_id, name in evidence:
    response = client.get(f"/evidence/{evidence_id}/")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    out["evidence"][str(evidence_id)] = [response.status_code, name, hashlib.sha256(body).hexdigest()]
out["report_admin_history"] = {}
for report_id in reports:
    response = client.get(f"/admin/tasks/progressreport/{report_id}/history/", follow=True)
    html = response.content.decode()
    table = html[html.index('id="change-history"'):html.index("</table>", html.index('id="change-history"'))]
    out["report_admin_history"][str(report_id)] = [response.status_code, table.count("<tr")]
entry = LogEntry.objects.order_by("pk").first()
out["log_entry"] = [entry.content_type.model, client.get(entry.get_admin_url()).status_code] if entry else None
# The reading's own log-in leaves no row behind: the next reading counts the portal's rows only.
client.logout()
AccessLog.objects.filter(pk__gt=logged_before).delete()
print("PROBE " + json.dumps(out, ensure_ascii=False))
"""

# After the move: every schedule and every stored outbox message names a task that exists and runs.
JOBS = r"""
import json
from django_celery_beat.models import PeriodicTask
from notifications.models import OutboxMessage
from unionplan.celery import app

app.loader.import_default_modules()  # what a worker does at start: every app's tasks.py
out = {"schedules": [], "outbox": []}
for task in PeriodicTask.objects.filter(enabled=True).order_by("name"):
    result = app.tasks[task.task].apply(kwargs=json.loads(task.kwargs or "{}")) if task.task in app.tasks else None
    out["schedules"].append([task.name, task.task, result is not None and result.successful()])
for message in OutboxMessage.objects.order_by("pk"):
    result = app.tasks[message.task_name].apply(kwargs=message.kwargs) if message.task_name in app.tasks else None
    out["outbox"].append([message.task_name, result is not None and result.successful()])
print("JOBS " + json.dumps(out, ensure_ascii=False))
"""


def run(tree: Path, env: dict, *args: str) -> str:
    done = subprocess.run([PYTHON, "manage.py", *args], cwd=tree, env=env, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"`manage.py {' '.join(args)}` failed in {tree}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done.stdout


def tagged(output: str, tag: str) -> dict:
    line = next(line for line in output.splitlines() if line.startswith(tag + " "))
    return json.loads(line[len(tag) + 1:])


def _difference(before, after) -> str:
    if isinstance(before, dict) and isinstance(after, dict):
        keys = [key for key in sorted(set(before) | set(after)) if before.get(key) != after.get(key)]
        return "; ".join(f"{key}: {before.get(key)} -> {after.get(key)}" for key in keys[:5])
    return f"{before} -> {after}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", default=BEFORE_THE_MOVE, help="the commit before the move")
    parser.add_argument("--server", default=os.environ.get("PROOF_SERVER", "postgres://postgres@127.0.0.1:5432"))
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="unionplan-proof-"))
    old_tree = work / "before"
    old_tree.mkdir()
    archive = subprocess.run(["git", "archive", "--format=tar", args.before], cwd=ROOT, capture_output=True, check=True)
    tar_path = work / "before.tar"
    tar_path.write_bytes(archive.stdout)
    with tarfile.open(tar_path) as tar:
        tar.extractall(old_tree, filter="data")

    database_url = f"{args.server.rstrip('/')}/{DATABASE}"
    host = args.server.split("@")[-1].split(":")[0]
    subprocess.run(["dropdb", "-h", host, "-U", "postgres", "--if-exists", "--force", DATABASE], check=True)
    subprocess.run(["createdb", "-h", host, "-U", "postgres", DATABASE], check=True)
    env = {key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env |= {"DATABASE_URL": database_url, "UNIONPLAN_VAR_DIR": str(work / "var"), "MEDIA_ROOT": str(work / "media"),
            "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost"}

    print(f"before the move ({args.before}): building and filling {DATABASE} …")
    run(old_tree, env, "migrate", "--noinput")
    run(old_tree, env, "import_plan", "tasks/plans/2020-city-union-work-plan.txt")
    run(old_tree, env, "seed_demo")
    run(old_tree, env, "seed_brand_demo")
    run(old_tree, env, "shell", "-c", FILL)
    before = tagged(run(old_tree, env, "shell", "-c", PROBE), "PROBE")

    print("this checkout: migrating the same database …")
    migrated = run(ROOT, env, "migrate", "--noinput")
    applied = [line.split("Applying ", 1)[1].split("...")[0] for line in migrated.splitlines() if "Applying " in line]
    after = tagged(run(ROOT, env, "shell", "-c", PROBE), "PROBE")
    jobs = tagged(run(ROOT, env, "shell", "-c", JOBS), "JOBS")

    failures = []
    rows_before, rows_after = before["rows"], after["rows"]
    for table in sorted(set(rows_before) | set(rows_after)):
        if table == "django_migrations":
            continue
        if rows_before.get(table) != rows_after.get(table):
            failures.append(f"table {table}: {rows_before.get(table)} rows before, {rows_after.get(table)} after")
    if rows_after.get("django_migrations", 0) - rows_before.get("django_migrations", 0) != len(applied):
        failures.append("django_migrations did not grow by the migrations applied")
    for key in ("grants", "timeline", "evidence", "report_admin_history", "log_entry", "report_history_rows"):
        if before[key] != after[key]:
            failures.append(f"{key} differs before and after the move: {_difference(before[key], after[key])}")
    if any(answer is not True for *_grant, answer in after["grants"]):
        failures.append("a guardian grant no longer answers for a member of its group")
    if any(not ok for *_names, ok in jobs["schedules"]) or any(not ok for _name, ok in jobs["outbox"]):
        failures.append(f"a schedule or outbox message names no working task: {jobs}")

    events = sum(len(lines) - 1 for lines in after["timeline"].values())
    print(f"migrations applied: {', '.join(applied)}")
    print(f"tables: {len(rows_after)}, rows: {sum(rows_after.values()):,} — the same count in every table "
          f"(django_migrations +{len(applied)})" if not [f for f in failures if f.startswith("table")] else "tables differ")
    print(f"guardian grants: {len(after['grants'])}, each answering yes for a member of its group")
    print(f"item pages: {len(after['timeline'])}, history lines: {events}, identical before and after; "
          f"report history rows: {after['report_history_rows']}")
    print(f"evidence downloads: {len(after['evidence'])}, same bytes (sha256); admin history pages of "
          f"{len(after['report_admin_history'])} reports; admin log entry opens ({after['log_entry']})")
    print(f"beat schedules: {', '.join(f'{name} -> {task}' for name, task, _ok in jobs['schedules'])}: all ran")
    print(f"outbox messages: {len(jobs['outbox'])} ({', '.join(sorted({name for name, _ok in jobs['outbox']}))}): all ran")
    if failures:
        print("\nDIFFERENCES:\n" + "\n".join(failures))
        sys.exit(1)
    print("\nnothing lost")


if __name__ == "__main__":
    main()
