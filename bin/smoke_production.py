"""Production mode for real, on this machine: gunicorn with 2 workers, a Celery worker and beat
against PostgreSQL and Redis, then a smoke test over HTTP (log in, report, review, dashboard,
static files) and a clean shutdown. `.ci/run` calls it; exits non-zero on any failure.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/unionplan_smoke REDIS_URL=redis://127.0.0.1:6379/14 \
        .venv/bin/python bin/smoke_production.py
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import signal
import socket
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

    def __init__(self, port: int = PORT):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.headers: dict[str, str] = {}  # of the last response

    def request(self, method, path, form=None, request_id=None, *, json_body=None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"X-Forwarded-Proto": "https", "Host": "127.0.0.1", "Referer": f"https://127.0.0.1{path}",
                   **(headers or {})}
        if request_id:
            headers["X-Request-ID"] = request_id  # as the reverse proxy sends it
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif json_body is not None:
            body = json.dumps(json_body)
            headers["Content-Type"] = "application/json"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        content = response.read().decode("utf-8", "replace")
        self.headers = dict(response.getheaders())
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


# The production mode's pieces, also started by bench/load.py and bench/faults.py.


def production_env(var: str) -> dict[str, str]:
    """Production mode's environment on this machine (plain HTTP behind a pretend proxy), state under `var`."""
    return os.environ | {
        "DJANGO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "UNIONPLAN_VAR_DIR": var,
        "SECURE_SSL_REDIRECT": "False",
    }


def _spawn(args, *, env, log=None) -> subprocess.Popen:
    # A process group each, so one that does not stop can be killed with its children.
    return subprocess.Popen([PY, "-m", *args], cwd=ROOT, env=env, start_new_session=True,
                            stdout=log, stderr=subprocess.STDOUT if log else None)


def start_web(env, *, port=PORT, workers=2, log=None) -> subprocess.Popen:
    # gunicorn's own lines as JSON, and no access log: the portal logs each request (unionplan/gunicorn_conf.py).
    return _spawn(["gunicorn", "-c", "python:unionplan.gunicorn_conf", "unionplan.wsgi", "--workers", str(workers),
                   "--bind", f"127.0.0.1:{port}"], env=env, log=log)


def start_worker(env, *, concurrency=1, log=None) -> subprocess.Popen:
    # --quiet: no banner, only JSON log lines (production logging ignores --loglevel: LOG_LEVEL sets it).
    return _spawn(["celery", "-A", "unionplan", "--quiet", "worker", "--concurrency", str(concurrency)],
                  env=env | {"LOG_LEVEL": env.get("LOG_LEVEL", "WARNING")}, log=log)


def start_beat(env, *, var, log=None) -> subprocess.Popen:
    return _spawn(["celery", "-A", "unionplan", "--quiet", "beat", "--schedule", os.path.join(var, "beat-schedule")],
                  env=env | {"LOG_LEVEL": env.get("LOG_LEVEL", "WARNING")}, log=log)


def port_in_use(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def wait_ready(browser, *, attempts=60) -> int:
    """Poll /readyz until it answers 200 (or give up); returns its last status."""
    for _ in range(attempts):
        try:
            if browser.request("GET", "/readyz")[0] == 200:
                return 200
        except OSError:
            pass
        time.sleep(0.5)
    return browser.request("GET", "/readyz")[0]


def stop(processes) -> list[int]:
    """SIGTERM to each main process, as `docker compose stop` sends it: gunicorn and Celery finish the
    work in hand and stop their children (a SIGTERM to a pool child would kill its task). The whole
    group is killed only if a process is still there after 30 s. Returns the exit codes."""
    for process in processes:
        process.send_signal(signal.SIGTERM)
    codes = []
    for process in processes:
        try:
            codes.append(process.wait(timeout=30))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            codes.append(process.wait())
    return codes


def main():
    var = tempfile.mkdtemp(prefix="unionplan-smoke-")
    env = production_env(var)
    for name in ("DATABASE_URL", "REDIS_URL"):
        check(bool(env.get(name)), f"{name} is set")
    manage("migrate", "--noinput", env=env)
    manage("collectstatic", "--noinput", env=env)
    manage("import_plan", "tasks/plans/2020-city-union-work-plan.txt", env=env)
    manage("seed_demo", env=env)

    web_log_path = os.path.join(var, "web.log")
    web_log = open(web_log_path, "w")  # read at the end: every line must be JSON
    # Else gunicorn cannot bind and every check below talks to whatever holds the port.
    check(not port_in_use(PORT), f"port {PORT} is free (SMOKE_PORT)")
    worker_log_path = os.path.join(var, "worker.log")
    worker_log = open(worker_log_path, "w")
    processes = [start_web(env, log=web_log), start_worker(env, log=worker_log), start_beat(env, var=var)]
    try:
        browser = Browser()
        check(wait_ready(browser) == 200, "readyz: database and broker answer")
        check(browser.request("GET", "/healthz", request_id="smoke-healthz-1")[0] == 200, "healthz")
        check(browser.headers.get("X-Request-ID") == "smoke-healthz-1", "the proxy's X-Request-ID is echoed")
        check("default-src 'self'" in browser.headers.get("Content-Security-Policy", ""), "Content-Security-Policy")

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

        # The REST API: a token for a user, then a report through it, as another program would send it.
        api = Browser()
        status, _, body = api.request("POST", "/api/v1/auth/token/", {"username": "d01-staff", "password": "unionplan2020"})
        check(status == 200, f"API token ({status})")
        token = json.loads(body)["token"]
        status, _, body = api.request("GET", f"/api/v1/items/{item}/", headers={"Authorization": f"Token {token}"})
        check(status == 200 and json.loads(body)["progress_percent"] == 35, "API: the item with its progress")
        status, _, body = api.request("POST", "/api/v1/reports/", json_body={
            "item": int(item), "status": "in_progress", "percent": 50, "narrative": "接口报送。",
            "version": json.loads(body)["version"]}, headers={"Authorization": f"Token {token}"})
        check(status == 201 and json.loads(body)["state"] == "submitted", f"API: report submitted ({status})")
    finally:
        codes = stop(processes)
    check(all(code in (0, -signal.SIGTERM) for code in codes), f"clean shutdown (exit codes {codes})")
    web_log.close()
    worker_log.close()
    check_web_log(web_log_path)
    worker_lines = open(worker_log_path).read()
    check("WorkerLostError" not in worker_lines and "Traceback" not in worker_lines,
          "the worker finished its tasks before it stopped (no task killed, no traceback)")


def check_web_log(path):
    text = open(path).read().splitlines()
    try:
        lines = [json.loads(line) for line in text]
    except ValueError:
        lines = []
    check(bool(lines), f"gunicorn and the portal log JSON lines only ({len(text)} lines; first: {text[:2]})")
    healthz = [line for line in lines if line.get("request_id") == "smoke-healthz-1"]
    check(len(healthz) == 1 and (healthz[0]["path"], healthz[0]["status"]) == ("/healthz", 200),
          "a request is logged once, with its request id, path, status and duration")


if __name__ == "__main__":
    main()
