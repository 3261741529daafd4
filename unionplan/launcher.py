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

GRACE_SECONDS = 10


def commands(python: str, host: str) -> dict[str, list[str]]:
    celery = [python, "-m", "celery", "-A", "unionplan"]
    return {
        "web": [python, "manage.py", "runserver", host],
        # solo pool: one process, works on the embedded filesystem broker and on Redis alike.
        "worker": celery + ["worker", "--pool=solo", "--loglevel=INFO", "--hostname=worker@%h"],
        "beat": celery + ["beat", "--loglevel=INFO", "--pidfile="],
    }


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass


def run(host: str) -> int:
    children: dict[str, subprocess.Popen] = {}
    stopping = False

    def stop(signum, _frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    for name, command in commands(sys.executable, host).items():
        children[name] = subprocess.Popen(command, start_new_session=True)
        print(f"[launcher] {name} started (pid {children[name].pid})", flush=True)
    exit_code = 0
    while not stopping:
        for name, process in children.items():
            code = process.poll()
            if code is not None:
                print(f"[launcher] {name} exited with {code}; stopping the others", flush=True)
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
    sys.exit(run(parser.parse_args().host))


if __name__ == "__main__":
    main()
