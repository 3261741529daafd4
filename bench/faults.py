"""Fault runs on the production mode: Redis down for 60 s under load; a Celery worker killed mid reminder job.

    .venv/bin/pip install -r bench/requirements.txt
    .venv/bin/python bench/faults.py [redis] [worker]      (both by default)

(1) redis: bench/load.py's portal and users for 150 s; at 30 s the portal's private Redis
    (broker and cache) is stopped, at 90 s started again, empty (as configured: no persistence).
    Prints the answers before, during and after the outage (any answer other than 2xx/3xx, or a
    409 version conflict, counts as an error), the reports in the database against the POSTs
    answered "saved", and what was queued meanwhile: the outbox rows written during the outage,
    published once Redis is back, and the review requests they turn into.
(2) worker: the 2020 plan published, a slow group robot (a local HTTP receiver, 0.25 s per
    post) for every department; the reminder job for the day with the most reminders is sent
    to the worker, which is killed with SIGKILL (its whole process group) half-way through the
    robot posts; a new worker is started and beat's outbox drain (each minute) finishes the
    deliveries. Then counts reminders planned, claimed (ReminderLog), deliveries by state, and
    the posts the receiver got, with duplicates by their reminder. Finally the job runs again,
    as the broker's redelivery (after its visibility timeout) or the next day's run would.

Each run has its own database (dropped afterwards) and Redis on a spare port; nothing shared
is touched. Never part of the test suite.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import (  # noqa: E402
    CONFLICT,
    Portal,
    notification_accounting,
    print_table,
    report_accounting,
    run_locust,
)


def _alive(portal: Portal) -> str:
    return ", ".join(f"{name} {'alive' if process.poll() is None else f'exited {process.returncode}'}"
                     for name, process in portal.processes.items())


# ---------------------------------------------------------------------------
# (1) Redis down for 60 s under load.


def redis_outage(*, users: int, before: int, outage: int, after: int, port: int, redis_port: int) -> None:
    print("\n== fault 1: the private Redis (broker and cache) stopped for "
          f"{outage} s under {users} users ==")
    portal = Portal(database="unionplan_faults_redis", port=port, redis_port=redis_port)
    try:
        portal.create()
        portal.start()
        reports_before = portal.scalar("SELECT COUNT(*) FROM tasks_progressreport")
        result: dict = {}
        duration = before + outage + after
        runner = threading.Thread(target=lambda: result.update(samples=run_locust(
            portal, users=users, duration=duration, spawn_rate=25, wait=(0.5, 1.5))))
        started = time.time()
        runner.start()
        time.sleep(before)
        down = time.time()
        portal.stop_redis()
        print(f"  t={down - started:.0f} s: Redis stopped ({_alive(portal)})")
        time.sleep(outage)
        up = time.time()
        portal.start_redis()
        print(f"  t={up - started:.0f} s: Redis started again, empty")
        runner.join()
        samples = result["samples"]
        print(f"  after the run: {_alive(portal)}")

        first, last = min(s.start for s in samples), max(s.start for s in samples)
        phases = [("before the outage", first, down), ("during the outage", down, up), ("after Redis returned", up, last)]
        for title, start, end in phases:
            rows = [s for s in samples if start <= s.start <= end]
            print_table(rows, seconds=end - start, title=title)
            bad = [s for s in rows if not s.ok]
            print(f"  answers other than 2xx/3xx (409 conflicts apart): {len(bad)} of {len(rows)}; "
                  f"409 conflicts: {sum(1 for s in rows if s.name == CONFLICT)}")
        report_accounting(portal, samples, before=reports_before)

        written = portal.sql(
            "SELECT COUNT(*) FROM notifications_outboxmessage WHERE created_at >= to_timestamp(%s) "
            "AND created_at < to_timestamp(%s)", (down, up))[0][0]
        figures = notification_accounting(portal, timeout=240)
        published = portal.sql(
            "SELECT COUNT(*), MAX(published_at) FROM notifications_outboxmessage WHERE created_at >= to_timestamp(%s) "
            "AND created_at < to_timestamp(%s) AND state IN ('published', 'done')", (down, up))[0]
        last = f", the last {published[1].timestamp() - up:.0f} s after Redis returned" if published[1] else ""
        print(f"  queued during the outage: {written} outbox rows (report → review request); "
              f"{published[0]} published since{last}")
        _explain_missing_review_requests(portal, down=down, up=up)
        if figures["claimed"] != figures["expected"]:
            print("  (see above: review requests missing)")
    finally:
        portal.close()


def _explain_missing_review_requests(portal: Portal, *, down: float, up: float) -> None:
    """Reports that should have asked their heads to review and did not: where their task went."""
    rows = portal.sql("""
        SELECT o.state, o.published_at, o.attempts
        FROM tasks_progressreport r
        JOIN notifications_outboxmessage o
          ON o.task_name = 'tasks.notify_report_submitted' AND (o.kwargs->>'report_id')::bigint = r.id
        WHERE r.state = 'submitted'
          AND EXISTS (SELECT 1 FROM departments_membership m WHERE m.department_id = r.department_id
                      AND m.role = 'head' AND m.user_id <> r.reporter_id)
          AND NOT EXISTS (SELECT 1 FROM notifications_reminderlog l
                          WHERE l.kind = 'review_request' AND l.subject = 'report:' || r.id)
    """)
    if not rows:
        print("  every report's review request was claimed: nothing lost")
        return
    kinds = Counter()
    for state, published_at, attempts in rows:
        if state == "pending":
            kinds["still pending in the outbox"] += 1
        elif published_at is not None and published_at.timestamp() < down:
            kinds["published before Redis stopped, never run (the message was in Redis when it stopped)"] += 1
        elif published_at is not None and published_at.timestamp() >= up:
            kinds["published after Redis returned, never run"] += 1
        else:
            kinds["published during the outage (?)"] += 1
    print(f"  LOST review requests: {len(rows)}: " + "; ".join(f"{n} {what}" for what, n in kinds.items()))


# ---------------------------------------------------------------------------
# (2) A worker killed with SIGKILL in the middle of the reminder job.


class Receiver:
    """A slow group robot: records every post (who it was for, its text), answers after `delay`."""

    def __init__(self, delay: float):
        self.delay = delay
        self.received: list[tuple[float, str, str]] = []  # (time, key, markdown)
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                key = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query).get("key", [""])[0]
                payload = json.loads(body.decode("utf-8"))
                with receiver.lock:
                    receiver.received.append((time.time(), key, payload["markdown"]["content"]))
                time.sleep(receiver.delay)
                answer = b'{"errcode": 0, "errmsg": "ok"}'
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except OSError:
                    pass  # the sender died while we slept

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/cgi-bin/webhook/send"

    def count(self) -> int:
        with self.lock:
            return len(self.received)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


SET_UP_ROBOTS = """
from notifications.models import WebhookChannel
from departments.models import Department
from tasks.models import WorkPlan
WorkPlan.objects.update(status="published")
for department in Department.objects.filter(is_active=True):
    WebhookChannel.objects.create(department=department, kind="wecom", url="{url}?key=department-%d" % department.pk)
"""
SEND_JOB = "from unionplan.celery import app; app.send_task('tasks.run_reminders', kwargs={{'date': '{day}'}})"
CANDIDATE_DAYS = ["2020-12-24", "2020-12-25", "2020-12-31", "2020-11-25", "2020-12-01"]


def _planned(portal: Portal, day: str) -> list[tuple[str, str]]:
    """(kind, audience) of every reminder the job would claim on `day` (its dry run)."""
    lines = portal.manage("run_job", "reminders", "--date", day, "--dry-run").splitlines()
    return [tuple(line.split()[:2]) for line in lines[:-1] if line.strip()]


def _expected(portal: Portal, planned: list[tuple[str, str]]) -> dict[str, int]:
    members = dict(portal.sql("SELECT department_id, COUNT(*) FROM departments_membership m "
                              "JOIN auth_user u ON u.id = m.user_id AND u.is_active GROUP BY department_id"))
    heads = dict(portal.sql("SELECT department_id, COUNT(*) FROM departments_membership m "
                            "JOIN auth_user u ON u.id = m.user_id AND u.is_active WHERE role = 'head' "
                            "GROUP BY department_id"))
    leaders = portal.scalar("SELECT COUNT(DISTINCT u.id) FROM auth_user u JOIN auth_user_groups g ON g.user_id = u.id "
                            "JOIN auth_group r ON r.id = g.group_id WHERE r.name = 'leadership' AND u.is_active")
    in_app = posts = 0
    for _kind, audience in planned:
        if audience == "leadership":
            in_app += leaders
            continue
        _, department, who = audience.split(":")
        in_app += (heads if who == "heads" else members).get(int(department), 0)
        posts += 1
    return {"reminders": len(planned), "in_app": in_app, "posts": posts}


def _deliveries(portal: Portal) -> dict[tuple[str, str], int]:
    return {(channel, state): n for channel, state, n in portal.sql(
        "SELECT channel, state, COUNT(*) FROM notifications_delivery GROUP BY channel, state ORDER BY 1, 2")}


def _print_deliveries(title: str, portal: Portal, receiver: Receiver) -> None:
    claimed = portal.scalar("SELECT COUNT(*) FROM notifications_reminderlog")
    states = ", ".join(f"{channel} {state} {n}" for (channel, state), n in _deliveries(portal).items())
    print(f"  {title}: {claimed} reminders claimed; deliveries: {states or 'none'}; robot posts received "
          f"{receiver.count()}")


def worker_killed(*, port: int, redis_port: int, delay: float) -> None:
    print("\n== fault 2: a Celery worker killed with SIGKILL in the middle of the reminder job ==")
    portal = Portal(database="unionplan_faults_worker", port=port, redis_port=redis_port)
    receiver = Receiver(delay=delay)
    try:
        portal.create()
        portal.manage("shell", "-c", SET_UP_ROBOTS.format(url=receiver.url))
        day, planned = max(((d, _planned(portal, d)) for d in CANDIDATE_DAYS), key=lambda pair: len(pair[1]))
        expected = _expected(portal, planned)
        print(f"  {day}: {expected['reminders']} reminders due ({dict(Counter(k for k, _ in planned))}); expected "
              f"{expected['in_app']} in-app notices and {expected['posts']} robot posts "
              f"({delay:g} s each at the receiver)")
        portal.start()
        sent = time.time()
        portal.manage("shell", "-c", SEND_JOB.format(day=day))
        while receiver.count() < expected["posts"] // 2:
            if time.time() - sent > 300:
                raise SystemExit("the job did not get half-way in 300 s")
            time.sleep(0.05)
        worker = portal.processes["worker"]
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
        killed = time.time()
        time.sleep(1)
        print(f"  t={killed - sent:.1f} s: worker killed (SIGKILL to its process group)")
        _print_deliveries("at the kill", portal, receiver)
        unacked = subprocess.run(["redis-cli", "-p", str(redis_port), "HLEN", "unacked"], capture_output=True,
                                 text=True).stdout.strip()
        print(f"  the killed job's message: {unacked} unacknowledged in Redis (redelivered after the "
              "broker's visibility timeout, 2 h)")

        portal.start_worker()
        restarted = time.time()
        stable_since, last = time.time(), receiver.count()
        while time.time() - restarted < 240:
            open_ = portal.scalar("SELECT COUNT(*) FROM notifications_delivery WHERE state IN ('pending', 'failed')")
            if receiver.count() != last:
                stable_since, last = time.time(), receiver.count()
            if not open_ and time.time() - stable_since > 5:
                break
            time.sleep(1)
        print(f"  new worker started; deliveries settled {time.time() - restarted:.0f} s later "
              "(beat's outbox drain sends what is due, each minute)")
        _print_deliveries("after the new worker", portal, receiver)
        _exactly_once(portal, receiver, expected)

        print(f"  the job again (as its redelivery or the next day's run would): {day}")
        before_posts = receiver.count()
        portal.manage("shell", "-c", SEND_JOB.format(day=day))
        time.sleep(10)
        again = receiver.count() - before_posts
        _print_deliveries("after running it again", portal, receiver)
        print(f"  posts caused by the second run: {again}")
        _exactly_once(portal, receiver, expected)
    finally:
        receiver.close()
        portal.close()


def _exactly_once(portal: Portal, receiver: Receiver, expected: dict[str, int]) -> None:
    claimed = portal.scalar("SELECT COUNT(*) FROM notifications_reminderlog")
    notices = portal.scalar("SELECT COUNT(*) FROM notifications_notification")
    # Each robot delivery, with the text its post carries (channels.Message.markdown starts with it).
    webhook_rows = portal.sql("""
        SELECT d.id, d.state, l.title, l.body, d.address
        FROM notifications_delivery d JOIN notifications_reminderlog l ON l.id = d.reminder_id
        WHERE d.channel = 'wecom'""")
    with receiver.lock:
        received = list(receiver.received)
    per_post = Counter((key, hashlib.sha256(text.encode()).hexdigest()) for _t, key, text in received)
    duplicates = sum(n - 1 for n in per_post.values() if n > 1)

    def posts_for(address, title, body):
        key = urllib.parse.parse_qs(urllib.parse.urlsplit(address).query)["key"][0]
        return sum(1 for _t, k, text in received if k == key and text.startswith(f"### {title}\n\n{body}"))

    by_state = Counter()
    for _pk, state, title, body, address in webhook_rows:
        by_state[(state, posts_for(address, title, body))] += 1
    print(f"  reminders: {expected['reminders']} expected, {claimed} claimed (ReminderLog)")
    print(f"  in-app notices: {expected['in_app']} expected, {notices} written")
    print(f"  robot posts: {expected['posts']} expected, {len(webhook_rows)} deliveries, {len(received)} received, "
          f"{len(per_post)} distinct, {duplicates} duplicates")
    print("  robot deliveries by state and posts received for each: "
          + ", ".join(f"{state} × received {n}: {count}" for (state, n), count in sorted(by_state.items())))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("runs", nargs="*", help="redis, worker (default: both)")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--outage", type=int, default=60)
    parser.add_argument("--port", type=int, default=8767)
    parser.add_argument("--redis-port", type=int, default=6390)
    parser.add_argument("--delay", type=float, default=0.25, help="seconds the robot receiver takes per post")
    args = parser.parse_args()
    args.runs = args.runs or ["redis", "worker"]
    if set(args.runs) - {"redis", "worker"}:
        parser.error("runs are: redis, worker")
    if "redis" in args.runs:
        redis_outage(users=args.users, before=30, outage=args.outage, after=60, port=args.port,
                     redis_port=args.redis_port)
    if "worker" in args.runs:
        worker_killed(port=args.port, redis_port=args.redis_port, delay=args.delay)


if __name__ == "__main__":
    main()
