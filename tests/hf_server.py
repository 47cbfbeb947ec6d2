"""A loopback stand-in for the Hugging Face hub's file endpoint (``HF_ENDPOINT``).

It answers what ``huggingface_hub.hf_hub_download`` asks: ``HEAD`` and ``GET``
on ``/datasets/<repo>/resolve/<rev>/<path>`` (and ``/<repo>/resolve/...`` for
models), with the hub's headers: ``X-Repo-Commit``, ``X-Linked-Etag`` (the
SHA-256 of an LFS file), ``X-Linked-Size``, ``Content-Length``, byte ranges
(``206``), and ``404`` with ``X-Error-Code: EntryNotFound``.

``cut_once`` lists files whose first ``GET`` sends half the body and closes the
connection, as a dropped download does, so that resuming is exercised.
"""

from __future__ import annotations

import hashlib
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

COMMIT = "0123456789abcdef0123456789abcdef01234567"
_RESOLVE = re.compile(r"^/(?:(datasets)/)?([^/]+/[^/]+)/resolve/([^/]+)/(.+)$")


class FakeHub:
    """Serve ``repos[(kind, repo_id)] = root directory`` on 127.0.0.1."""

    def __init__(
        self, repos: dict[tuple[str, str], Path], cut_once: set[str] | None = None
    ) -> None:
        self.repos = repos
        self.cut_once = set(cut_once or ())
        self.requests: list[tuple[str, str, str | None]] = []  # method, path, Range
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output quiet
                pass

            def do_HEAD(self) -> None:  # noqa: N802 (http.server API)
                hub._answer(self, body=False)

            def do_GET(self) -> None:  # noqa: N802
                hub._answer(self, body=True)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeHub:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _file(self, path: str) -> Path | None:
        match = _RESOLVE.match(path.split("?", 1)[0])
        if not match:
            return None
        kind = "dataset" if match.group(1) else "model"
        root = self.repos.get((kind, match.group(2)))
        if root is None:
            return None
        target = root / match.group(4)
        return target if target.is_file() else None

    def _answer(self, handler: BaseHTTPRequestHandler, body: bool) -> None:
        rng = handler.headers.get("Range")
        self.requests.append((handler.command, handler.path, rng))
        target = self._file(handler.path)
        if target is None:
            handler.send_response(404)
            handler.send_header("X-Error-Code", "EntryNotFound")
            handler.send_header("X-Error-Message", "Entry not found")
            handler.send_header("X-Repo-Commit", COMMIT)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        data = target.read_bytes()
        start = 0
        if rng and body:
            start = int(re.match(r"bytes=(\d+)-", rng).group(1))
        handler.send_response(206 if start else 200)
        handler.send_header("X-Repo-Commit", COMMIT)
        etag = f'"{hashlib.sha256(data).hexdigest()}"'
        handler.send_header("X-Linked-Etag", etag)
        handler.send_header("X-Linked-Size", str(len(data)))
        handler.send_header("ETag", etag)
        handler.send_header("Accept-Ranges", "bytes")
        handler.send_header("Content-Length", str(len(data) - start))
        if start:
            handler.send_header(
                "Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}"
            )
        handler.end_headers()
        if not body:
            return
        name = target.name
        if name in self.cut_once and not start:
            self.cut_once.discard(name)
            handler.wfile.write(data[: len(data) // 2])
            handler.wfile.flush()
            handler.close_connection = True
            return
        handler.wfile.write(data[start:])
