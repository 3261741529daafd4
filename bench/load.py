"""Load run: the production mode under 50 users for 60 s, and every report accounted for.

    .venv/bin/pip install -r bench/requirements.txt
    .venv/bin/python bench/load.py [--users 50] [--duration 60] [--keep]

Starts the production mode the way bin/smoke_production.py does (gunicorn with 2 workers, a
Celery worker and beat) on a throw-away PostgreSQL database (`unionplan_load`, dropped again
unless --keep) and a Redis server of its own on a spare port (6390; the shared Redis is never
touched), imports the 2020 plan and the demo accounts, then runs locust headless on loopback:

  leaders   GET /dashboard/
  staff     GET /my/ (我的工作); the report form of one of their department's items: GET it
            (CSRF token, the item's version), POST a report. 302 = saved; 409 = the item's
            version moved meanwhile (another session reported on it): an expected answer,
            counted apart, not as an error.

Prints requests/s and p50/p95/p99 per request type, the errors, and the reports in the
database against the POSTs answered "saved" (every one must be there). bench/faults.py reuses
the same portal and users. Never part of the test suite.

The machine is shared by everything (2 cores: gunicorn, Celery, PostgreSQL, Redis and locust
itself), so the figures are of this box, not of a server.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bin"))

import smoke_production as production  # noqa: E402  (bin/ is not a package)

PY = sys.executable
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
DEMO_PASSWORD = "unionplan2020"  # departments.demo.DEMO_PASSWORD
# The locust side of this file is defined only inside locust's process (gevent patches everything it imports).
LOCUST_ROLE = "UNIONPLAN_LOAD_LOCUST"


# ---------------------------------------------------------------------------
# The portal under test: database, private Redis, web, worker, beat.


port_in_use = production.port_in_use


@dataclass
class Portal:
    """The production mode on this machine, on a database and a Redis of its own."""

    database: str = "unionplan_load"
    port: int = 8766
    redis_port: int = 6390
    var: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="unionplan-load-")))
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- set-up -----------------------------------------------------------------
    def create(self) -> None:
        for port, what in ((self.redis_port, "the private Redis"), (self.port, "gunicorn")):
            if port_in_use(port):
                raise SystemExit(f"port {port} for {what} is in use by something else; pick another")
        subprocess.run(["dropdb", "-h", PG["host"], "-U", PG["user"], "--if-exists", self.database], check=True)
        subprocess.run(["createdb", "-h", PG["host"], "-U", PG["user"], self.database], check=True)
        self.start_redis()
        self.env = production.production_env(str(self.var)) | {
            "DATABASE_URL": f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{self.database}",
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "UNIONPLAN_SITE_URL": self.url,
            "LOG_LEVEL": "WARNING",
        }
        for args in (["migrate", "--noinput"], ["collectstatic", "--noinput"],
                     ["import_plan", "tasks/plans/2020-city-union-work-plan.txt"], ["seed_demo"],
                     # departments report only on a published plan (its 待定 targets would stop the publish step)
                     ["shell", "-c", "from tasks.models import WorkPlan; WorkPlan.objects.update(status=WorkPlan.Status.PUBLISHED)"], ["run_job", "rollup"]):
            self.manage(*args)

    def manage(self, *args: str) -> str:
        result = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True)
        if result.returncode != 0:
            raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
        return result.stdout

    def log(self, name: str):
        return open(self.var / f"{name}.log", "ab")

    def start(self) -> None:
        self.processes["web"] = production.start_web(self.env, port=self.port, log=self.log("web"))
        self.start_worker()
        self.processes["beat"] = production.start_beat(self.env, var=str(self.var), log=self.log("beat"))
        status = production.wait_ready(production.Browser(self.port))
        if status != 200:
            raise SystemExit(f"/readyz answered {status}; see the logs in {self.var}")

    def start_worker(self) -> subprocess.Popen:
        self.processes["worker"] = production.start_worker(self.env, log=self.log("worker"))
        return self.processes["worker"]

    # --- the private Redis (never the shared one on 6379) ----------------------------
    def start_redis(self) -> None:
        folder = self.var / "redis"
        folder.mkdir(exist_ok=True)
        subprocess.run(
            ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "yes", "--dir", str(folder), "--pidfile", str(folder / "redis.pid"),
             "--logfile", str(folder / "redis.log")],
            check=True,
        )
        for _ in range(50):
            if port_in_use(self.redis_port):
                return
            time.sleep(0.1)
        raise SystemExit(f"redis-server did not start on {self.redis_port}")

    def stop_redis(self) -> None:
        pidfile = self.var / "redis" / "redis.pid"
        if not pidfile.exists():
            return
        pid = int(pidfile.read_text().strip())
        os.kill(pid, signal.SIGTERM)  # our own server, by its pid
        for _ in range(100):
            if not port_in_use(self.redis_port):
                break
            time.sleep(0.1)
        pidfile.unlink(missing_ok=True)

    # --- reading the database --------------------------------------------------------
    def sql(self, query: str, params=()) -> list[tuple]:
        import psycopg2

        with psycopg2.connect(dbname=self.database, **PG) as connection, connection.cursor() as cursor:
            cursor.execute(query, params)
            rows = cursor.fetchall() if cursor.description else []
        connection.close()
        return rows

    def scalar(self, query: str, params=()):
        return self.sql(query, params)[0][0]

    # --- tear-down -------------------------------------------------------------------
    def close(self, *, keep: bool = False) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        self.stop_redis()
        if not keep:
            subprocess.run(["dropdb", "-h", PG["host"], "-U", PG["user"], "--if-exists", "--force", self.database],
                           check=False)


# ---------------------------------------------------------------------------
# Running locust and reading what it recorded.


@dataclass
class Sample:
    start: float  # epoch seconds
    name: str
    status: int  # 0: no answer (connection error)
    ms: float
    ok: bool


def run_locust(portal: Portal, *, users: int, duration: int, spawn_rate: float, wait: tuple[float, float]) -> list[Sample]:
    """locust headless on loopback; returns every request it made."""
    samples_file = portal.var / "samples.jsonl"
    env = os.environ | {LOCUST_ROLE: str(samples_file), "LOAD_WAIT": f"{wait[0]},{wait[1]}"}
    subprocess.run(
        [PY, "-m", "locust", "-f", __file__, "--headless", "--users", str(users), "--spawn-rate", str(spawn_rate),
         "--run-time", f"{duration}s", "--host", portal.url, "--only-summary", "--loglevel", "WARNING",
         "--stop-timeout", "10"],
        cwd=ROOT, env=env, check=False, stdout=portal.log("locust"), stderr=subprocess.STDOUT,
    )
    samples = []
    with open(samples_file) as file:
        for line in file:
            samples.append(Sample(**json.loads(line)))
    return samples


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def print_table(samples: list[Sample], *, seconds: float, title: str) -> None:
    names = sorted({s.name for s in samples})
    print(f"\n{title}: {len(samples)} requests in {seconds:.0f} s = {len(samples) / seconds:.1f} requests/s")
    print(f"  {'request':<34} {'count':>6} {'req/s':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'errors':>6}")
    for name in names:
        rows = [s for s in samples if s.name == name]
        times = [s.ms for s in rows]
        errors = sum(1 for s in rows if not s.ok)
        print(f"  {name:<34} {len(rows):>6} {len(rows) / seconds:>6.1f} {percentile(times, 50):>7.0f} "
              f"{percentile(times, 95):>7.0f} {percentile(times, 99):>7.0f} {errors:>6}")
    failures = {}
    for s in samples:
        if not s.ok:
            failures[(s.name, s.status)] = failures.get((s.name, s.status), 0) + 1
    if failures:
        print("  errors by request and status: "
              + ", ".join(f"{name} → {status or 'no answer'}: {n}" for (name, status), n in sorted(failures.items())))


SAVED, CONFLICT = "POST report (302 saved)", "POST report (409 conflict)"


def report_accounting(portal: Portal, samples: list[Sample], *, before: int) -> tuple[int, int]:
    """Reports in the database now, against the POSTs answered "saved"; prints both."""
    saved = sum(1 for s in samples if s.name == SAVED and s.ok)
    conflicts = sum(1 for s in samples if s.name == CONFLICT)
    in_database = portal.scalar("SELECT COUNT(*) FROM tasks_progressreport") - before
    verdict = "every saved report is there" if in_database == saved else "MISMATCH"
    print(f"\nreports: {saved} POSTs answered 302 (saved), {conflicts} answered 409 (version conflict); "
          f"{in_database} new reports in the database: {verdict}")
    return saved, in_database


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=int, default=60, help="seconds")
    parser.add_argument("--spawn-rate", type=float, default=25)
    parser.add_argument("--wait", default="0.5,1.5", help="think time between a user's tasks, min,max seconds")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--redis-port", type=int, default=6390)
    parser.add_argument("--keep", action="store_true", help="keep the database unionplan_load afterwards")
    args = parser.parse_args()
    wait = tuple(float(x) for x in args.wait.split(","))

    portal = Portal(port=args.port, redis_port=args.redis_port)
    try:
        started = time.monotonic()
        portal.create()
        portal.start()
        print(f"portal ready in {time.monotonic() - started:.0f} s: gunicorn 2 workers on {portal.url}, Celery worker "
              f"and beat, PostgreSQL {portal.database}, private Redis :{portal.redis_port}; logs in {portal.var}")
        before = portal.scalar("SELECT COUNT(*) FROM tasks_progressreport")
        print(f"locust: {args.users} users ({args.spawn_rate:g}/s spawn), {args.duration} s, think time "
              f"{wait[0]:g}-{wait[1]:g} s")
        samples = run_locust(portal, users=args.users, duration=args.duration, spawn_rate=args.spawn_rate, wait=wait)
        print_table(samples, seconds=args.duration, title="load, whole run")
        # All 50 log in within the first seconds: password hashing queues every other request behind
        # the logins. Steady state starts when the last log-in has been answered.
        logins = [s for s in samples if s.name == "POST /accounts/login/"]
        if logins:
            settled = max(s.start + s.ms / 1000 for s in logins)
            steady = [s for s in samples if s.start >= settled]
            end = max(s.start + s.ms / 1000 for s in samples)
            print_table(steady, seconds=end - settled,
                        title=f"load, steady state (after the last log-in, {settled - min(s.start for s in samples):.0f} s in)")
        report_accounting(portal, samples, before=before)
        notification_accounting(portal)
    finally:
        portal.close(keep=args.keep)


EXPECTED_REVIEW_REQUESTS = """
    SELECT COUNT(*) FROM tasks_progressreport r
    WHERE r.state = 'submitted' AND EXISTS (
        SELECT 1 FROM departments_membership m
        WHERE m.department_id = r.department_id AND m.role = 'head' AND m.user_id <> r.reporter_id)
"""


def notification_accounting(portal: Portal, *, timeout: float = 180) -> dict[str, int]:
    """Each saved report asks its department's heads to review it, through the outbox and a Celery task
    (a head reporting is told nothing: there is nobody else to ask). Waits for the outbox to empty
    (published after commit, or by the drain each minute) and the worker to catch up, then prints both."""
    deadline = time.monotonic() + timeout
    expected = portal.scalar(EXPECTED_REVIEW_REQUESTS)
    while time.monotonic() < deadline:
        pending = portal.scalar("SELECT COUNT(*) FROM notifications_outboxmessage WHERE state = 'pending'")
        claimed = portal.scalar("SELECT COUNT(*) FROM notifications_reminderlog WHERE kind = 'review_request'")
        if not pending and claimed >= expected:
            break
        time.sleep(2)
    figures = {
        "expected": expected,
        "claimed": portal.scalar("SELECT COUNT(*) FROM notifications_reminderlog WHERE kind = 'review_request'"),
        "notified": portal.scalar("SELECT COUNT(*) FROM notifications_notification WHERE kind = 'review_request'"),
        "outbox_published": portal.scalar(
            "SELECT COUNT(*) FROM notifications_outboxmessage WHERE state IN ('published', 'done')"),
        "outbox_done": portal.scalar("SELECT COUNT(*) FROM notifications_outboxmessage WHERE state = 'done'"),
        "outbox_pending": portal.scalar("SELECT COUNT(*) FROM notifications_outboxmessage WHERE state = 'pending'"),
    }
    verdict = "all there" if figures["claimed"] == figures["notified"] == expected else "MISSING SOME"
    print(f"outbox: {figures['outbox_published']} published ({figures['outbox_done']} confirmed done by the worker), "
          f"{figures['outbox_pending']} pending; "
          f"review requests: {expected} expected (reports by staff), {figures['claimed']} claimed, "
          f"{figures['notified']} in-app notices: {verdict}")
    return figures


# ---------------------------------------------------------------------------
# The locust side: only inside locust's own process.

if os.environ.get(LOCUST_ROLE):
    import itertools
    import random

    from locust import HttpUser, between, events, task

    SAMPLES: list[dict] = []
    STAFF_ACCOUNTS = itertools.cycle([f"d{n:02d}-{role}" for n in range(1, 11) for role in ("staff", "head")])
    WAIT_MIN, WAIT_MAX = (float(x) for x in os.environ.get("LOAD_WAIT", "0.5,1.5").split(","))

    @events.request.add_listener
    def _record(request_type, name, response_time, response_length, response=None, exception=None, start_time=None,
                **kwargs):
        status = getattr(response, "status_code", 0) or 0
        SAMPLES.append({"start": start_time or time.time(), "name": name, "status": status,
                        "ms": response_time, "ok": exception is None})

    @events.quitting.add_listener
    def _write(environment, **kwargs):
        with open(os.environ[LOCUST_ROLE], "w") as file:
            for sample in SAMPLES:
                file.write(json.dumps(sample) + "\n")

    class PortalUser(HttpUser):
        """A browser over plain HTTP behind the (pretend) HTTPS proxy: Secure cookies kept by hand."""

        abstract = True
        wait_time = between(WAIT_MIN, WAIT_MAX)
        username = ""

        def on_start(self):
            self.cookies: dict[str, str] = {}
            _, page = self.send("GET", "/accounts/login/", "GET /accounts/login/")
            self.send("POST", "/accounts/login/", "POST /accounts/login/", expect=(302,), form={
                "csrfmiddlewaretoken": csrf(page), "username": self.username, "password": DEMO_PASSWORD,
            })

        def send(self, method, path, name, *, form=None, expect=(200,), outcomes=None):
            # As bin/smoke_production.py's Browser: the proxy's headers, so CSRF's origin check sees https://127.0.0.1.
            headers = {"X-Forwarded-Proto": "https", "Host": "127.0.0.1", "Referer": f"https://127.0.0.1{path}"}
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            with self.client.request(method, path, data=form, headers=headers, name=name, allow_redirects=False,
                                     catch_response=True) as response:
                for value in response.raw.headers.getlist("Set-Cookie") if response.raw is not None else ():
                    key, _, rest = value.partition("=")
                    self.cookies[key] = rest.split(";", 1)[0]
                status = response.status_code
                if outcomes and status in outcomes:
                    response.request_meta["name"] = outcomes[status]
                    response.success()
                elif status in expect:
                    response.success()
                else:
                    response.failure(f"HTTP {status}")
                return status, response.text or ""

    def csrf(page: str) -> str:
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        return found.group(1) if found else ""

    class Leader(PortalUser):
        weight = 1
        username = "leader"

        @task
        def dashboard(self):
            self.send("GET", "/dashboard/", "GET /dashboard/")

    class Staff(PortalUser):
        weight = 4

        def on_start(self):
            self.username = next(STAFF_ACCOUNTS)
            super().on_start()
            _, page = self.send("GET", "/my/", "GET /my/ (我的工作)")
            self.items = sorted(set(re.findall(r'href="/items/(\d+)/report/"', page)))

        @task(2)
        def my_work(self):
            self.send("GET", "/my/", "GET /my/ (我的工作)")

        @task(3)
        def report(self):
            if not self.items:
                return
            item = random.choice(self.items)
            status, form = self.send("GET", f"/items/{item}/report/", "GET report form")
            version = re.search(r'name="version" value="(\d+)"', form)
            if status != 200 or version is None:
                return
            self.send("POST", f"/items/{item}/report/", "POST report", expect=(), outcomes={302: SAVED, 409: CONFLICT},
                      form={"csrfmiddlewaretoken": csrf(form), "status": "in_progress",
                            "percent": str(random.randint(1, 99)), "narrative": "压力测试：本周按计划推进。",
                            "version": version.group(1)})


if __name__ == "__main__":
    main()
