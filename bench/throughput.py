"""Benchmark: the cached dashboard over real HTTP beside a bare Django view, in the same gunicorn.

    REDIS_URL=redis://127.0.0.1:6379/7 \
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/unionplan_bench \
    .venv/bin/python bench/throughput.py [--items 10000] [--workers 2] [--seconds 3] [--rounds 5]

Uses the database bench/pages.py built for that size (DATABASE_URL's name + "_<items>";
run bench/pages.py first). Starts gunicorn (sync workers, the portal's gunicorn_conf, DEBUG off,
the Redis cache) with bench/throughput_site.py: the portal's settings and URLs plus /bench/bare/, a
view that answers "ok" through the whole middleware stack. wrk (Debian's `wrk`; installed with
apt-get when missing) then loads, in turn, the bare view (anonymous) and the cached dashboard as
a logged-in leader (a session cookie made for the run), and the ratio of the two is printed.
Then the worker's resident memory is read before and after it served every page of the plan.
Never part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORT = 8731


def _wrk(url: str, *, seconds: int, connections: int, cookie: str | None) -> float:
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency", url]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non_2xx:
        sys.exit(f"{url}: {non_2xx.group(1)} responses were not 200\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        subprocess.run(["apt-get", "install", "-y", "wrk"], check=True, capture_output=True)
    # As production: DEBUG off, connections kept (CONN_MAX_AGE, as DJANGO_ENV=production sets it).
    env = dict(os.environ, DEBUG="0", CONN_MAX_AGE="600", ALLOWED_HOSTS="127.0.0.1,localhost",
               DJANGO_SETTINGS_MODULE="throughput_site",
               DATABASE_URL=f"{os.environ['DATABASE_URL']}_{args.items}",
               UNIONPLAN_VAR_DIR=str(ROOT / "var" / "bench"), PYTHONPATH=f"{ROOT / 'bench'}:{ROOT}")
    # A session for the bench leader, written with the same settings the server reads.
    made = subprocess.run(
        [sys.executable, "-c", (
            "import django; django.setup()\n"
            "from django.contrib.auth import get_user_model\n"
            "from django.test import Client\n"
            "from tasks.models import WorkPlan\n"
            "c = Client(); c.force_login(get_user_model().objects.get(username='bench-leader'))\n"
            "plan = WorkPlan.objects.get(year=2030)\n"
            "print(c.cookies['sessionid'].value, plan.pk, plan.year)\n")],
        env=env, capture_output=True, text=True, check=True).stdout.split()
    session, plan_id, year = made[-3:]
    cookie = f"sessionid={session}"
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", "python:unionplan.gunicorn_conf", "-w", str(args.workers),
         "-b", f"127.0.0.1:{PORT}", "unionplan.wsgi"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{PORT}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/bench/bare/", timeout=1).read()
                break
            except OSError:
                time.sleep(0.2)
        dashboard = f"{base}/dashboard/?year={year}"
        request = urllib.request.Request(dashboard, headers={"Cookie": cookie})
        with urllib.request.urlopen(request) as response:  # warms the cached body
            assert response.status == 200 and "/accounts/login/" not in response.url, response.url
            page_bytes = len(response.read())
        for url, who in ((f"{base}/bench/bare/", None), (dashboard, cookie)):
            _wrk(url, seconds=2, connections=args.connections, cookie=who)  # warm-up
        # As a browser asks it: with the cookies the first view set, the CSRF cookie (without one, every page
        # makes a new secret and sets the cookie again) and the user hint that lets the session, the user's
        # frame and the page's pointer be read in one cache round trip (core.prefetch).
        browser = "; ".join([cookie, *(
            set_cookie.split(";", 1)[0] for set_cookie in response.headers.get_all("Set-Cookie") or []
            if set_cookie.split("=", 1)[0] in ("csrftoken", "portal_user"))])
        assert "portal_user=" in browser, browser
        loads = {
            "bare": (f"{base}/bench/bare/", None),
            "cached": (dashboard, cookie),
            "browser": (dashboard, browser),
            # the same bare view answering as many bytes as the page: what moving them costs
            "sized": (f"{base}/bench/bare/?bytes={page_bytes}", None),
        }
        # Interleaved rounds, each kind in turn: this machine's speed drifts by a quarter within a minute, so
        # the ratio of one round's neighbours says more than one long run of each after the other.
        rates = {name: [] for name in loads}
        ratios = {name: [] for name in loads if name != "bare"}
        for _round in range(args.rounds):
            measured = {name: _wrk(url, seconds=args.seconds, connections=args.connections, cookie=who)
                        for name, (url, who) in loads.items()}
            for name, rate in measured.items():
                rates[name].append(rate)
                if name in ratios:
                    ratios[name].append(rate / measured["bare"])
        median = {name: statistics.median(values) for name, values in rates.items()}
        ratio = {name: (statistics.median(values), min(values), max(values)) for name, values in ratios.items()}
        print(f"gunicorn, {args.workers} sync workers, wrk {args.connections} connections; {args.rounds} interleaved "
              f"rounds of {args.seconds} s each; {args.items:,}-item plan; medians (min–max of the rounds' ratios)")
        print(f"bare Django view          {median['bare']:8.1f} req/s")
        for name, label in (("cached", "cached dashboard (session cookie only)"),
                            ("browser", "  as a browser asks it (its CSRF and user cookies)"),
                            ("sized", f"bare view answering the page's {page_bytes:,} bytes")):
            mid, low, high = ratio[name]
            print(f"{label} {median[name]:8.1f} req/s  = {mid:.2f} ({low:.2f}–{high:.2f}) of the ceiling")
        for name, label in (
                ("browser", "cached dashboard over HTTP / bare view, as a browser asks it (CSRF and user cookies)"),
                ("cached", "the same with the session cookie only"),
                ("sized", f"bare view answering as many bytes as the page ({page_bytes // 1024} KB) / bare view")):
            mid, low, high = ratio[name]
            print(f"BENCH-ROW | {label} | {mid:.2f} ({low:.2f}–{high:.2f}; {median[name]:.0f} / {median['bare']:.0f} req/s)")
        # Memory: one worker serving every page of the plan, one request at a time.
        workers = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()
        before = {int(pid): _rss_mb(int(pid)) for pid in workers}
        pages, page, peak = 0, 1, dict(before)
        while True:
            request = urllib.request.Request(f"{base}/plans/{plan_id}/?page={page}", headers={"Cookie": cookie})
            with urllib.request.urlopen(request) as response:
                body = response.read().decode()
            pages += 1
            for pid in before:
                peak[pid] = max(peak[pid], _rss_mb(pid))
            if 'rel="next"' not in body:
                break
            page += 1
        after = {pid: _rss_mb(pid) for pid in before}
        print(f"plan pages served: {pages}; worker RSS before / peak / after: " + ", ".join(
            f"{before[pid]:.0f} / {peak[pid]:.0f} / {after[pid]:.0f} MB" for pid in before))
        print(f"BENCH-ROW | worker RSS peak over every plan page ({pages} pages) | "
              f"{max(peak.values()):.0f} MB")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
