"""A `/v1/chat/completions` server on 127.0.0.1 that the fault tests steer: well-formed answers, or the
malformed HTTP 200 replies a proxy or a misconfigured server sends, and a request it holds until told."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

MALFORMED = {
    "html": ("text/html", "<html><body><h1>502 Bad Gateway</h1></body></html>"),
    "not-json": ("application/json", '{"id": "x", "choices": [{"message": '),
    "no-choices": ("application/json", json.dumps({"id": "x", "object": "chat.completion", "choices": []})),
}


class ChatServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), ChatHandler)
        self.mode = "ok"  # "ok" or a key of MALFORMED
        self.content = "Answer: 42"
        self.requests = 0
        self.hold_at: int | None = None  # this request (1-based) waits for `release` before it is answered
        self.arrived, self.release = threading.Event(), threading.Event()
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def registry(self, path: Path, name: str = "served", extra: str = "") -> Path:
        """A --models-file with one openai entry for this server: one request at a time, one retry."""
        entry = f'[{name}]\nbackend = "openai"\nurl = "{self.url}"\nconcurrency = 1\nretries = 1\ntimeout_s = 60\n'
        path.write_text(f"{entry}{extra}\n", encoding="utf-8")
        return path


class ChatHandler(BaseHTTPRequestHandler):
    server: ChatServer

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        with self.server.lock:
            self.server.requests += 1
            number = self.server.requests
        if number == self.server.hold_at:
            self.server.arrived.set()
            self.server.release.wait(120)
        kind, body = MALFORMED.get(self.server.mode, ("application/json", ""))
        if self.server.mode == "ok":
            message = {"role": "assistant", "content": self.server.content}
            choice = {"index": 0, "message": message, "finish_reason": "stop"}
            usage = {"prompt_tokens": 11, "completion_tokens": 4, "total_tokens": 15}
            completion = {"id": "x", "object": "chat.completion", "created": 0, "model": "m", "choices": [choice]}
            body = json.dumps(completion | {"usage": usage})  # ensure_ascii: a lone surrogate travels as \ud800
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def chat_server() -> Iterator[ChatServer]:
    server = ChatServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()
