"""Start the web server, a Celery worker and the beat scheduler together; stop them together.

`make run` uses it: Ctrl-C (or any of the three exiting) stops all three.
Each child runs in its own process group, so the whole tree of each (e.g.
runserver's autoreloader) is signalled, and nothing is left behind.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

GRACE_SECONDS = 10
BASE_DIR = Path(__file__).resolve().parent.parent
LOG_DIR = BASE_DIR / "var" / "log"


def commands(python: str, host: str, *, quiet: bool = False) -> dict[str, list[str]]:
    """The three commands; quiet (make run): no banners, the worker and beat speak only of warnings and errors."""
    celery = [python, "-m", "celery", "-A", "unionplan"] + (["--quiet"] if quiet else [])
    level = "WARNING" if quiet else "INFO"
    return {
        "web": [python, "manage.py", "runserver", host],
        # solo pool: one process, works on the embedded filesystem broker and on Redis alike.
        "worker": celery + ["worker", "--pool=solo", f"--loglevel={level}", "--hostname=worker@%h"],
        "beat": celery + ["beat", f"--loglevel={level}", "--pidfile="],
    }


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass


def run(host: str, *, quiet: bool = False) -> int:
    children: dict[str, subprocess.Popen] = {}
    stopping = False

    def stop(signum, _frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    logs = {}
    environment = os.environ | ({"DJANGO_RUNSERVER_HIDE_WARNING": "true"} if quiet else {})
    for name, command in commands(sys.executable, host, quiet=quiet).items():
        # Quiet: the worker's and beat's own chatter (banners, the broker's notes) goes to var/log/,
        # the console keeps the web server's requests and errors.
        output = None
        if quiet and name != "web":
            logs[name] = LOG_DIR / f"{name}.log"
            LOG_DIR.mkdir(parents=True, exist_ok=True)
            output = logs[name].open("ab")
        children[name] = subprocess.Popen(command, start_new_session=True, env=environment,
                                          stdout=output, stderr=subprocess.STDOUT if output else None)
        where = f", log {logs[name].relative_to(BASE_DIR)}" if name in logs else ""
        print(f"[launcher] {name} started (pid {children[name].pid}{where})", flush=True)
    exit_code = 0
    while not stopping:
        for name, process in children.items():
            code = process.poll()
            if code is not None:
                print(f"[launcher] {name} exited with {code}; stopping the others", flush=True)
                if name in logs:  # why it stopped is at the end of its log
                    sys.stdout.write("".join(logs[name].read_text(errors="replace").splitlines(True)[-20:]))
                exit_code, stopping = code or 1, True
                break
        time.sleep(0.5)
    for process in children.values():
        _signal_group(process, signal.SIGTERM)
    deadline = time.monotonic() + GRACE_SECONDS
    for name, process in children.items():
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            print(f"[launcher] {name} did not stop in {GRACE_SECONDS}s; killing it", flush=True)
            _signal_group(process, signal.SIGKILL)
            process.wait()
    print("[launcher] all stopped", flush=True)
    return exit_code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1:8000")
    parser.add_argument("--quiet", action="store_true", help="no banners; the worker and beat log warnings only")
    arguments = parser.parse_args()
    sys.exit(run(arguments.host, quiet=arguments.quiet))


if __name__ == "__main__":
    main()
