"""A real HTTP server in a thread that answers like the group bots (and the SMS gateway) do.

Used by the tests and by the demo (`python -m tests.cases.bot_receiver 8145` prints what it
receives). Each request is recorded with its path, query and JSON body; `answers` queues the
replies ((HTTP status, JSON body) pairs), after which every request gets the platform's "ok".
"""

from __future__ import annotations

import json
import sys
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

OK = {"errcode": 0, "errmsg": "ok", "code": 0, "msg": "success", "ok": True, "id": "sms-1"}


@dataclass
class Received:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: dict


@dataclass
class BotReceiver:
    host: str = "127.0.0.1"
    port: int = 0
    received: list[Received] = field(default_factory=list)
    answers: list[tuple[int, dict]] = field(default_factory=list)
    echo: bool = False

    def start(self) -> BotReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                parsed = urllib.parse.urlsplit(self.path)
                entry = Received(path=parsed.path, query=dict(urllib.parse.parse_qsl(parsed.query)),
                                 headers=dict(self.headers), body=json.loads(raw or b"{}"))
                receiver.received.append(entry)
                if receiver.echo:
                    print(json.dumps({"path": entry.path, "query": entry.query, "body": entry.body},
                                     ensure_ascii=False, indent=2), flush=True)
                status, answer = receiver.answers.pop(0) if receiver.answers else (200, OK)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((self.host, self.port), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def url(self, path: str = "/") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8145
    receiver = BotReceiver(port=port, echo=True).start()
    print(f"Bot receiver listening on {receiver.url()} (WeCom path: /cgi-bin/webhook/send?key=demo); Ctrl-C stops",
          flush=True)
    try:
        receiver.thread.join()
    except KeyboardInterrupt:
        receiver.stop()
