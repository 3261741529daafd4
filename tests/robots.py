"""A local HTTP server standing in for WeCom and DingTalk robots: it records every post."""

from __future__ import annotations

import json
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    query: dict
    payload: dict


@dataclass
class RobotServer:
    server: ThreadingHTTPServer
    received: list[Received] = field(default_factory=list)
    answer: dict = field(default_factory=lambda: {"errcode": 0, "errmsg": "ok"})
    status: int = 200

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def wecom_url(self, key: str) -> str:
        return f"{self.base_url}/cgi-bin/webhook/send?key={key}"

    def dingtalk_url(self, token: str) -> str:
        return f"{self.base_url}/robot/send?access_token={token}"

    def posts_to(self, path: str, **query) -> list[Received]:
        return [r for r in self.received if r.path == path and all(r.query.get(k) == v for k, v in query.items())]


def start_robot_server() -> RobotServer:
    robots: RobotServer

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length)
            url = urllib.parse.urlsplit(self.path)
            query = {k: v[0] for k, v in urllib.parse.parse_qs(url.query).items()}
            robots.received.append(Received(url.path, query, json.loads(body.decode("utf-8"))))
            answer = json.dumps(robots.answer).encode()
            self.send_response(robots.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    robots = RobotServer(server=server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return robots
