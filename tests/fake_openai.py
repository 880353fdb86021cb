"""A local fake OpenAI-compatible chat server for the endpoint judge's tests (no network): `serving(handler)`
yields its base URL; a handler subclass overrides `reply` to answer as another judge model would."""

from __future__ import annotations

import contextlib
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer


class FakeChat(BaseHTTPRequestHandler):
    """Answers `unsafe` when the graded text says "Sure", else `safe`; model `broken` gets HTTP 400."""

    seen: list = []

    @staticmethod
    def reply(text: str) -> str:
        return "unsafe" if "Sure" in text else "safe"

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeChat.seen.append((self.path, self.headers.get("Authorization"), body))
        if body["model"] == "broken":
            self.send_response(400)
            self.end_headers()
            return
        reply = self.reply(body["messages"][-1]["content"])
        out = json.dumps({"choices": [{"message": {"role": "assistant", "content": reply}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serving(handler: type[BaseHTTPRequestHandler]):
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/v1"
    finally:
        server.shutdown()
        server.server_close()
