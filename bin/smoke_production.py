"""Production mode for real, on this machine: nginx (Debian's package, with the deployment's
deploy/nginx/unionplan.conf.template) in front of gunicorn with 2 workers, a Celery worker and
beat against PostgreSQL and Redis, then a smoke test over HTTP through nginx (log in, report,
review, dashboard, static files and evidence from nginx, the lock-out with forged headers, slow
clients, oversized bodies, the compose health check) and a clean shutdown. `.ci/run` calls it;
exits non-zero on any failure.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/unionplan_smoke REDIS_URL=redis://127.0.0.1:6379/14 \
        .venv/bin/python bin/smoke_production.py

SMOKE_PORT is nginx's port (8765), SMOKE_UPSTREAM_PORT gunicorn's (8764): two runs on one machine
need ports of their own.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import shutil
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
PORT = int(os.environ.get("SMOKE_PORT", "8765"))  # nginx: what the browser talks to
UPSTREAM_PORT = int(os.environ.get("SMOKE_UPSTREAM_PORT", "8764"))  # gunicorn, behind nginx
# The site's name, as production has one in ALLOWED_HOSTS (the compose health check must not need it).
SITE = "unionplan.example.cn"
NGINX_TEMPLATE = ROOT / "deploy" / "nginx" / "unionplan.conf.template"


class Browser:
    """Just enough of a browser over plain HTTP: cookies kept by hand (they are Secure, and
    the proxy header says HTTPS), CSRF token read from forms."""

    def __init__(self, port: int = PORT, *, host: str = "127.0.0.1", source: str | None = None):
        self.port = port
        self.host = host  # the Host header: the site's name
        self.source = source  # the loopback address this client connects from (127.0.0.x), if not the default
        self.cookies: dict[str, str] = {}
        self.headers: dict[str, str] = {}  # of the last response
        self.body = b""  # of the last response

    def request(self, method, path, form=None, request_id=None, *, json_body=None, headers=None, body=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30,
                                                source_address=(self.source, 0) if self.source else None)
        headers = {"X-Forwarded-Proto": "https", "Host": self.host, "Referer": f"https://{self.host}{path}",
                   **(headers or {})}
        if request_id:
            headers["X-Request-ID"] = request_id  # as the reverse proxy sends it
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            pass  # sent as given (a multipart body), with its Content-Type in `headers`
        elif form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif json_body is not None:
            body = json.dumps(json_body)
            headers["Content-Type"] = "application/json"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        self.body = response.read()
        content = self.body.decode("utf-8", "replace")
        self.headers = dict(response.getheaders())
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, response.getheader("Location"), content

    def csrf(self, page: str) -> str:
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    def log_in(self, username, password="unionplan2020", *, expect=302) -> int:
        self.cookies.clear()
        _status, _location, page = self.request("GET", "/accounts/login/")
        status, location, _ = self.request(
            "POST", "/accounts/login/",
            {"csrfmiddlewaretoken": self.csrf(page), "username": username, "password": password},
        )
        if expect is not None:
            check(status == expect, f"log in as {username}: {status}")
        return status


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


def nginx_binary() -> str:
    return shutil.which("nginx") or "/usr/sbin/nginx"


def render_nginx_template(values: dict[str, str]) -> str:
    """deploy/nginx/unionplan.conf.template with its ${UNIONPLAN_…} filled in, as the nginx image's envsubst does."""
    text = NGINX_TEMPLATE.read_text()
    for name, value in values.items():
        text = text.replace("${" + name + "}", value)
    left = re.findall(r"\$\{UNIONPLAN_\w+\}", text)
    if left:
        raise SystemExit(f"the nginx template needs {sorted(set(left))}")
    return text


def start_proxy(*, var: str, port: int, upstream_port: int) -> subprocess.Popen:
    """Debian's nginx with the deployment's server block, in front of gunicorn, serving collectstatic's
    output and the evidence files (MEDIA_ROOT) from `var`. Stopped by SIGQUIT, as the nginx image stops it."""
    folder = Path(var) / "nginx"
    folder.mkdir(exist_ok=True)
    os.chmod(var, 0o755)  # nginx's workers (nobody) read the static and media files under it
    (folder / "unionplan.conf").write_text(render_nginx_template({
        "UNIONPLAN_LISTEN": f"127.0.0.1:{port}",
        "UNIONPLAN_UPSTREAM": f"127.0.0.1:{upstream_port}",
        "UNIONPLAN_STATIC_ROOT": f"{var}/staticfiles/",
        "UNIONPLAN_MEDIA_ROOT": f"{var}/media/",
        "UNIONPLAN_ACCESS_LOG": f"{folder}/access.log",
    }))
    # What the nginx image's own nginx.conf holds around conf.d/, with every path under `var`.
    (folder / "nginx.conf").write_text(f"""
worker_processes 2;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/unionplan.conf;
}}
""")
    binary = nginx_binary()
    configured = subprocess.run([binary, "-t", "-q", "-e", f"{folder}/error.log", "-c", f"{folder}/nginx.conf"],
                                capture_output=True, text=True)
    check(configured.returncode == 0, f"nginx accepts the deployment's configuration {configured.stderr.strip()}")
    process = subprocess.Popen([binary, "-e", f"{folder}/error.log", "-c", f"{folder}/nginx.conf", "-g", "daemon off;"],
                               start_new_session=True)
    process.stop_signal = signal.SIGQUIT
    return process


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
        process.send_signal(getattr(process, "stop_signal", signal.SIGTERM))
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
    env = production_env(var) | {
        # As production is deployed (docker-compose.yml): the HTTPS redirect on, the site's own name,
        # one proxy (nginx, connecting from 127.0.0.1), evidence sent by nginx.
        "SECURE_SSL_REDIRECT": "True",
        "ALLOWED_HOSTS": SITE,
        "TRUSTED_PROXY_HOPS": "1",
        "TRUSTED_PROXIES": "127.0.0.1",
        "UNIONPLAN_EVIDENCE_ACCEL_REDIRECT": "/_evidence/",
    }
    for name in ("DATABASE_URL", "REDIS_URL"):
        check(bool(env.get(name)), f"{name} is set")
    manage("migrate", "--noinput", env=env)
    manage("collectstatic", "--noinput", env=env)
    manage("import_plan", "tasks/plans/2020-city-union-work-plan.txt", env=env)
    manage("seed_demo", env=env)
    # Departments report only on a published plan. The 2020 document still has targets 待定, which the
    # publish step refuses until they are set (the demo year sets them); the smoke test only needs it open.
    manage("shell", "-c", "from tasks.models import WorkPlan; WorkPlan.objects.update(status=WorkPlan.Status.PUBLISHED)",
           env=env)

    web_log_path = os.path.join(var, "web.log")
    web_log = open(web_log_path, "w")  # read at the end: every line must be JSON
    # Else gunicorn or nginx cannot bind and every check below talks to whatever holds the port.
    check(not port_in_use(PORT), f"port {PORT} is free for nginx (SMOKE_PORT)")
    check(not port_in_use(UPSTREAM_PORT), f"port {UPSTREAM_PORT} is free for gunicorn (SMOKE_UPSTREAM_PORT)")
    worker_log_path = os.path.join(var, "worker.log")
    worker_log = open(worker_log_path, "w")
    processes = [start_web(env, port=UPSTREAM_PORT, log=web_log), start_worker(env, log=worker_log),
                 start_beat(env, var=var)]
    try:
        processes.append(start_proxy(var=var, port=PORT, upstream_port=UPSTREAM_PORT))
        browser = Browser(host=SITE)
        check(wait_ready(browser) == 200, "readyz through nginx: database and broker answer")
        check(browser.request("GET", "/healthz", request_id="smoke-healthz-1")[0] == 200, "healthz")
        check(browser.headers.get("X-Request-ID") == "smoke-healthz-1", "the proxy's X-Request-ID is echoed")
        check("default-src 'self'" in browser.headers.get("Content-Security-Policy", ""), "Content-Security-Policy")
        check_compose_healthcheck()
        status, location, _ = Browser(host=SITE).request("GET", "/accounts/login/", headers={"X-Forwarded-Proto": ""})
        check(status == 301 and location.startswith("https://"), f"plain HTTP is sent to https ({status} {location})")

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
        status, _, _ = browser.request("GET", script.group(1))
        check(status == 200 and "immutable" in browser.headers.get("Cache-Control", ""),
              "nginx serves it, cached for a year")
        # The worker recomputes the figures after the approval (within seconds, more on a busy machine).
        for _attempt in range(30):
            status, _, page = browser.request("GET", f"/items/{item}/")
            if status == 200 and "认定进度 35%" in page:
                break
            time.sleep(1)
        check(status == 200 and "认定进度 35%" in page, "the approved report is the item's progress")

        # The REST API: a token for a user, then a report through it, as another program would send it.
        api = Browser(host=SITE)
        status, _, body = api.request("POST", "/api/v1/auth/token/", {"username": "d01-staff", "password": "unionplan2020"})
        check(status == 200, f"API token ({status})")
        token = json.loads(body)["token"]
        status, _, body = api.request("GET", f"/api/v1/items/{item}/", headers={"Authorization": f"Token {token}"})
        check(status == 200 and json.loads(body)["progress_percent"] == 35, "API: the item with its progress")
        status, _, body = api.request("POST", "/api/v1/reports/", json_body={
            "item": int(item), "status": "in_progress", "percent": 50, "narrative": "接口报送。",
            "version": json.loads(body)["version"]}, headers={"Authorization": f"Token {token}"})
        check(status == 201 and json.loads(body)["state"] == "submitted", f"API: report submitted ({status})")

        check_evidence_through_nginx(token=token, item=int(item), leader=browser)
        check_forged_forwarded_for()
        check_oversized_bodies()
        check_slow_clients()
    finally:
        codes = stop(processes)
    check(all(code in (0, -signal.SIGTERM) for code in codes), f"clean shutdown (exit codes {codes})")
    web_log.close()
    worker_log.close()
    check_web_log(web_log_path)
    check_proxy_log(os.path.join(var, "nginx", "access.log"))
    worker_lines = open(worker_log_path).read()
    check("WorkerLostError" not in worker_lines and "Traceback" not in worker_lines,
          "the worker finished its tasks before it stopped (no task killed, no traceback)")


def check_compose_healthcheck():
    """The web service's healthcheck of docker-compose.yml, run as written against gunicorn (its port
    changed): plain HTTP, the container's own address, no X-Forwarded-Proto."""
    import yaml

    test = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["web"]["healthcheck"]["test"]
    check(test[:3] == ["CMD", "python", "-c"], f"the compose health check is a Python one-liner ({test[:3]})")
    code = test[3].replace("127.0.0.1:8000", f"127.0.0.1:{UPSTREAM_PORT}")
    result = subprocess.run([PY, "-c", code], capture_output=True, text=True, timeout=30)
    check(result.returncode == 0, f"the compose health check passes in production mode {result.stderr[-300:]}")


def multipart(fields: dict[str, str], files: list[tuple[str, str, bytes]]) -> tuple[str, bytes]:
    boundary = secrets.token_hex(16)
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
             for name, value in fields.items()]
    parts += [(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
               f"Content-Type: application/octet-stream\r\n\r\n").encode() + content + b"\r\n"
              for name, filename, content in files]
    return f"multipart/form-data; boundary={boundary}", b"".join(parts) + f"--{boundary}--\r\n".encode()


def check_evidence_through_nginx(*, token, item, leader):
    """Evidence goes up through nginx and comes down from nginx, after the portal's permission check."""
    api = Browser(host=SITE)
    auth = {"Authorization": f"Token {token}"}
    _, _, body = api.request("GET", f"/api/v1/items/{item}/", headers=auth)
    content = b"%PDF-1.4\n" + secrets.token_bytes(300_000)
    content_type, data = multipart({"item": str(item), "status": "in_progress", "percent": "55",
                                    "narrative": "附佐证材料。", "version": str(json.loads(body)["version"])},
                                   [("evidence", "会议纪要.pdf", content)])
    status, _, body = api.request("POST", "/api/v1/reports/", body=data, headers=auth | {"Content-Type": content_type})
    check(status == 201, f"API: a report with a 300 KB evidence file through nginx ({status}"
                         f"{'' if status == 201 else ' ' + body[:300]})")
    download = json.loads(body)["evidence"][0]["download"]
    status, _, _ = leader.request("GET", download)
    headers = {k.lower(): v for k, v in leader.headers.items()}
    check(status == 200 and leader.body == content, f"nginx sends the evidence file after the check ({status})")
    check(headers.get("cache-control") == "private, no-store", f"evidence: Cache-Control {headers.get('cache-control')}")
    check("attachment" in headers.get("content-disposition", ""), "evidence: a download under its own name")
    check(headers.get("x-content-type-options") == "nosniff", "evidence: nosniff")
    check("x-accel-redirect" not in headers, "nginx does not show where the file lies")
    stranger = Browser(host=SITE)
    status, location, _ = stranger.request("GET", download)
    check(status == 401, f"evidence: no file without credentials ({status})")
    status, _, _ = stranger.request("GET", "/_evidence/evidence/")
    check(status == 404, f"the internal location is not reachable from outside ({status})")


def _log_in_from(source: str, username: str, password: str, forged: str | None = None) -> int:
    browser = Browser(host=SITE, source=source)
    _, _, page = browser.request("GET", "/accounts/login/")
    status, _, _ = browser.request("POST", "/accounts/login/", {
        "csrfmiddlewaretoken": browser.csrf(page), "username": username, "password": password,
    }, headers={"X-Forwarded-For": forged} if forged else None)
    return status


def check_forged_forwarded_for():
    """A forged X-Forwarded-For neither escapes the lock-out nor locks anybody else out: through nginx,
    and straight to gunicorn from an address that is not the proxy's."""
    attacker, victim = "127.0.0.7", "127.0.0.8"
    statuses = [_log_in_from(attacker, "d03-staff", "wrong", forged=f"10.{n}.0.1") for n in range(40)]
    locked = _log_in_from(attacker, "d03-staff", "unionplan2020", forged="10.99.0.1")
    check(statuses[:4] == [200] * 4 and set(statuses[4:]) == {429} and locked == 429,
          f"40 wrong passwords with a new X-Forwarded-For each: locked after 5 ({statuses.count(429)} refused)")
    for _ in range(5):
        _log_in_from(attacker, "d04-staff", "wrong", forged=victim)
    check(_log_in_from(victim, "d04-staff", "unionplan2020") == 302,
          "5 tries forging another PC's address do not lock that PC out")
    direct = Browser(UPSTREAM_PORT, host=SITE, source="127.0.0.9")
    answers = []
    for n in range(6):
        _, _, page = direct.request("GET", "/accounts/login/")
        answers.append(direct.request("POST", "/accounts/login/", {
            "csrfmiddlewaretoken": direct.csrf(page), "username": "d05-staff", "password": "wrong"},
            headers={"X-Forwarded-For": f"10.{n}.0.2"})[0])
    check(answers[-1] == 429, f"straight to gunicorn, the header is not believed: locked after 5 ({answers})")


def _send_headers_only(port: int, path: str, length: int, content_type: str) -> tuple[int, float]:
    """Announce a body of `length` bytes, send none of it, and wait for the answer: (status, seconds)."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=20) as connection:
        connection.sendall((f"POST {path} HTTP/1.1\r\nHost: {SITE}\r\nX-Forwarded-Proto: https\r\n"
                            f"Content-Type: {content_type}\r\nContent-Length: {length}\r\n\r\n").encode())
        answer = connection.recv(200).decode("latin-1")
    return int(answer.split()[1]), time.monotonic() - started


def check_oversized_bodies():
    """512 MB announced to the log-in page, 1 GB to the reports API: refused at once, nothing read.
    3 MB of JSON (under nginx's limit, over the portal's for a body that is not a file): a 413, not a
    502 from a connection the portal closed while nginx was still sending."""
    for port, who in ((PORT, "nginx"), (UPSTREAM_PORT, "the portal itself")):
        for path, length in (("/accounts/login/", 512 * 2**20), ("/api/v1/reports/", 2**30)):
            status, seconds = _send_headers_only(port, path, length, "multipart/form-data; boundary=x")
            check(status == 413 and seconds < 2, f"{who}: {length // 2**20} MB to {path} refused ({status}, {seconds:.2f} s)")
    for attempt in range(3):
        for megabytes, expected in ((3, 413), (2, 401)):  # 2 MB: under every limit, refused for want of a token
            status, _, _ = Browser(host=SITE).request(
                "POST", "/api/v1/reports/", body=b"[" + b"1," * (megabytes * 2**19) + b"1]",
                headers={"Content-Type": "application/json"})
            check(status == expected, f"nginx, then the portal: {megabytes} MB of JSON answered {status} "
                                      f"(not a 502 from a connection cut under nginx; try {attempt + 1})")


def check_slow_clients(slow=8, seconds=12):
    """More slow clients than gunicorn has workers, each sending one header line (or one body byte)
    every 2 s: nginx waits for them, gunicorn never sees them; a normal request still answers at once."""
    def slowly(send_body: bool):
        try:
            with socket.create_connection(("127.0.0.1", PORT), timeout=seconds + 5) as connection:
                if send_body:
                    connection.sendall(f"POST /accounts/login/ HTTP/1.1\r\nHost: {SITE}\r\n"
                                       "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n".encode())
                else:
                    connection.sendall(f"GET /healthz HTTP/1.1\r\nHost: {SITE}\r\n".encode())
                deadline = time.monotonic() + seconds
                while time.monotonic() < deadline:
                    connection.sendall(b"a" if send_body else b"X-Slow: 1\r\n")
                    time.sleep(2)
        except OSError:
            pass  # nginx closed it (408): what it is for

    import threading

    threads = [threading.Thread(target=slowly, args=(n % 2 == 1,), daemon=True) for n in range(slow)]
    for thread in threads:
        thread.start()
    time.sleep(3)
    waits = []
    for path in ("/healthz", "/accounts/login/", "/readyz"):
        started = time.monotonic()
        status = Browser(host=SITE).request("GET", path)[0]
        waits.append((path, status, time.monotonic() - started))
    check(all(status == 200 and wait < 1.0 for _path, status, wait in waits),
          f"{slow} slow clients: normal requests still answer at once "
          f"({', '.join(f'{path} {wait:.2f} s' for path, _s, wait in waits)})")
    for thread in threads:
        thread.join(timeout=seconds + 10)


def check_proxy_log(path):
    text = open(path).read().splitlines()
    try:
        lines = [json.loads(line) for line in text]
    except ValueError:
        lines = []
    check(bool(lines), f"nginx logs JSON lines ({len(text)} lines; first: {text[:1]})")
    check(any(line["path"] == "/healthz" and line["request_id"] == "smoke-healthz-1" for line in lines),
          "nginx logs the request with the same request id as the portal")


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
    static = [line["path"] for line in lines if str(line.get("path", "")).startswith("/static/")]
    check(not static, f"static files never reach gunicorn: nginx serves them ({static[:3]})")


if __name__ == "__main__":
    main()
