"""A small local HTTP server standing in for a partner's notification endpoint (IPN): it keeps
every body posted and answers what the test scripts (a code per call, the last one repeated),
so the mock payment platform's notifications travel over real HTTP."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    def __init__(self, answers=("00",)):
        self.bodies: list[dict] = []
        self.answers = list(answers)
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                with receiver._lock:
                    receiver.bodies.append(json.loads(raw))
                    index = min(len(receiver.bodies), len(receiver.answers)) - 1
                    code = receiver.answers[index]
                if code is None:  # a broken partner: not JSON
                    status, payload = 500, b"<html>error</html>"
                else:
                    status = 200
                    payload = json.dumps({"code": code, "message": "ok"}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/ipn"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    @property
    def statuses(self) -> list[str]:
        return [body["status"] for body in self.bodies]
