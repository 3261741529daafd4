"""Production mode for real, on this machine: gunicorn with 2 workers, a Celery worker and beat
against PostgreSQL and Redis, then a smoke test over HTTP (log in, report, review, dashboard,
static files) and a clean shutdown. `.ci/run` calls it; exits non-zero on any failure.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/unionplan_smoke REDIS_URL=redis://127.0.0.1:6379/14 \
        .venv/bin/python bin/smoke_production.py
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
PORT = int(os.environ.get("SMOKE_PORT", "8765"))


class Browser:
    """Just enough of a browser over plain HTTP: cookies kept by hand (they are Secure, and
    the proxy header says HTTPS), CSRF token read from forms."""

    def __init__(self):
        self.cookies: dict[str, str] = {}

    def request(self, method, path, form=None):
        connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        headers = {"X-Forwarded-Proto": "https", "Host": "127.0.0.1", "Referer": f"https://127.0.0.1{path}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        content = response.read().decode("utf-8", "replace")
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, response.getheader("Location"), content

    def csrf(self, page: str) -> str:
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    def log_in(self, username):
        self.cookies.clear()
        _status, _location, page = self.request("GET", "/accounts/login/")
        status, location, _ = self.request(
            "POST", "/accounts/login/",
            {"csrfmiddlewaretoken": self.csrf(page), "username": username, "password": "unionplan2020"},
        )
        check(status == 302, f"log in as {username}: {status}")


def check(condition, message):
    print(("ok   " if condition else "FAIL ") + message, flush=True)
    if not condition:
        raise SystemExit(1)


def manage(*args, env):
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def main():
    var = tempfile.mkdtemp(prefix="unionplan-smoke-")
    env = os.environ | {
        "DJANGO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "UNIONPLAN_VAR_DIR": var,
        "SECURE_SSL_REDIRECT": "False",
    }
    for name in ("DATABASE_URL", "REDIS_URL"):
        check(bool(env.get(name)), f"{name} is set")
    manage("migrate", "--noinput", env=env)
    manage("collectstatic", "--noinput", env=env)
    manage("import_plan", "tasks/plans/2020-city-union-work-plan.txt", env=env)
    manage("seed_demo", env=env)

    processes = [
        subprocess.Popen([PY, "-m", "gunicorn", "unionplan.wsgi", "--workers", "2", "--bind", f"127.0.0.1:{PORT}",
                          "--access-logfile", "-"], cwd=ROOT, env=env, start_new_session=True),
        subprocess.Popen([PY, "-m", "celery", "-A", "unionplan", "worker", "--loglevel", "WARNING", "--concurrency", "1"],
                         cwd=ROOT, env=env, start_new_session=True),
        subprocess.Popen([PY, "-m", "celery", "-A", "unionplan", "beat", "--loglevel", "WARNING",
                          "--schedule", os.path.join(var, "beat-schedule")], cwd=ROOT, env=env, start_new_session=True),
    ]
    try:
        browser = Browser()
        for _ in range(60):
            try:
                if browser.request("GET", "/readyz")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        check(browser.request("GET", "/readyz")[0] == 200, "readyz: database and broker answer")
        check(browser.request("GET", "/healthz")[0] == 200, "healthz")

        browser.log_in("d01-staff")
        status, _, page = browser.request("GET", "/my/")
        check(status == 200 and "强化理论武装" in page, "staff sees 我的工作")
        item = re.search(r'href="/items/(\d+)/report/"', page).group(1)
        _, _, form = browser.request("GET", f"/items/{item}/report/")
        version = re.search(r'name="version" value="(\d+)"', form).group(1)
        status, location, _ = browser.request("POST", f"/items/{item}/report/", {
            "csrfmiddlewaretoken": browser.csrf(form), "status": "in_progress", "percent": "35",
            "narrative": "生产模式冒烟测试。", "version": version,
        })
        check(status == 302, f"report submitted ({status})")

        browser.log_in("d01-head")
        _, _, queue = browser.request("GET", "/reviews/")
        report = re.search(r'action="/reports/(\d+)/review/"', queue).group(1)
        status, _, _ = browser.request("POST", f"/reports/{report}/review/", {
            "csrfmiddlewaretoken": browser.csrf(queue), "decision": "approve", "comment": "同意",
        })
        check(status == 302, "head approved it")

        browser.log_in("leader")
        status, _, page = browser.request("GET", "/dashboard/")
        check(status == 200 and "领导驾驶舱" in page, "leader opens the dashboard")
        script = re.search(r'src="(/static/vendor/echarts/echarts\.min\.[0-9a-f]+\.js)"', page)
        check(script is not None, "ECharts is served from a hashed static file")
        check(browser.request("GET", script.group(1))[0] == 200, "whitenoise serves it")
        status, _, page = browser.request("GET", f"/items/{item}/")
        check(status == 200 and "认定进度 35%" in page, "the approved report is the item's progress")
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
        codes = [process.wait(timeout=30) for process in processes]
    check(all(code in (0, -signal.SIGTERM) for code in codes), f"clean shutdown (exit codes {codes})")


if __name__ == "__main__":
    main()
