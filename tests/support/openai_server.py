"""A real OpenAI-compatible HTTP server on loopback for tests: scripted replies, recorded requests, faults.

    with OpenAIServer(mode="llamacpp") as server:
        server.enqueue("Hello.", Reply(content='{"score": 3}'))
        server.fail_next(429, times=2, retry_after_ms=1)
        client = openai.OpenAI(base_url=server.base_url, api_key="sk-test")
        ...
        assert server.requests[-1].headers["authorization"] == "Bearer sk-test"

It also speaks the Batch API (POST /v1/files, GET /v1/files/{id}/content, POST /v1/batches,
GET /v1/batches/{id}): a batch moves validating → in_progress → completed over polls, and its output
answers each request line from the same reply queue; `fail_next_batch` and `error_batch_requests`
inject faults.

Only the standard library: a `ThreadingHTTPServer` in a daemon thread, HTTP/1.1 with keep-alive,
chunked transfer encoding for `stream: true` (so a broken stream is visible to the client).
"""

from __future__ import annotations

import contextlib
import email.parser
import email.policy
import itertools
import json
import re
import socket
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

# "llamacpp" is a current llama-server: it accepts `json_schema` (HTTP 200) and treats a named
# `tool_choice` as "auto" (the queued reply is sent as it is, text included, never a forced tool
# call). "llamacpp-legacy" is an older llama-server: `json_schema` is an HTTP 500.
Mode = Literal["openai", "llamacpp", "llamacpp-legacy", "plain"]
FaultKind = Literal["status", "delay", "malformed", "break_stream"]
MODES: tuple[Mode, ...] = ("openai", "llamacpp", "llamacpp-legacy", "plain")


@dataclass(frozen=True)
class RecordedRequest:
    """One request the server received, as the client sent it."""

    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    raw: bytes
    body: Any  # parsed JSON, or None when the body was empty or not JSON

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The chat messages of a /chat/completions request."""
        return list(self.body.get("messages", [])) if isinstance(self.body, dict) else []

    @property
    def last_user_message(self) -> str:
        """The text of the last `user` message ("" when there is none)."""
        for message in reversed(self.messages):
            if message.get("role") == "user":
                return _text(message.get("content"))
        return ""

    @property
    def stream(self) -> bool:
        """True when the client asked for server-sent events."""
        return isinstance(self.body, dict) and bool(self.body.get("stream"))

    @property
    def response_format(self) -> dict[str, Any] | None:
        """The `response_format` the client asked for, if any."""
        return self.body.get("response_format") if isinstance(self.body, dict) else None

    @property
    def response_format_type(self) -> str | None:
        """`json_schema`, `json_object`, `text`, or None."""
        fmt = self.response_format
        return fmt.get("type") if isinstance(fmt, dict) else None


@dataclass
class Reply:
    """What the server answers to one chat completion."""

    content: str = ""
    chunks: list[str] | None = None  # how a stream splits `content`; default: word by word
    chunk_delay: float = 0.0  # seconds between streamed chunks
    tool_calls: list[dict[str, Any]] | None = None  # OpenAI-shaped; content is then null
    finish_reason: str | None = None  # default "stop", or "tool_calls" when tool_calls are set
    prompt_tokens: int | None = None  # default: words in the request's messages
    completion_tokens: int | None = None  # default: number of chunks
    cached_tokens: int = 0

    def stream_chunks(self) -> list[str]:
        """The content pieces a stream sends, in order."""
        if self.chunks is not None:
            return list(self.chunks)
        return re.findall(r"\S+\s*|\s+", self.content) or [""]


ReplySource = str | Reply | Callable[[RecordedRequest], "str | Reply"]


def echo(request: RecordedRequest) -> Reply:
    """Default reply: repeat the last user message."""
    return Reply(content=f"You said: {request.last_user_message}")


@dataclass
class Fault:
    """One injected failure, consumed by the next chat-completion request."""

    kind: FaultKind
    status: int = 500
    message: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    after_chunks: int = 2


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return ""


_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    404: "not_found_error",
    429: "rate_limit_error",
    500: "server_error",
    503: "server_error",
}
_DEFAULT_MESSAGES = {
    429: "Rate limit reached for requests. Please try again in 1ms.",
    500: "The server had an error while processing your request.",
    503: "The engine is currently overloaded, please try again later.",
}


class OpenAIServer:
    """A scriptable OpenAI-compatible server on 127.0.0.1 with an ephemeral port."""

    def __init__(
        self,
        *,
        mode: Mode = "openai",
        models: tuple[str, ...] = ("test-model",),
        default_reply: ReplySource | None = echo,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        self.mode: Mode = mode
        self.models = models
        self.default_reply = default_reply
        self.requests: list[RecordedRequest] = []
        self.errors: list[str] = []  # exceptions raised while serving (bugs in a reply callable...)
        self._replies: deque[ReplySource] = deque()
        self._faults: deque[Fault] = deque()
        self.files: dict[str, StoredFile] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self.batch_requests: list[RecordedRequest] = []  # request lines answered inside batches
        self.polls_per_status = 1  # GETs a batch spends in each status before moving on
        self._batch_failures: deque[str] = deque()
        self._batch_expiries: deque[int] = deque()
        self._erroring_ids: set[str] = set()
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> OpenAIServer:
        """Bind an ephemeral port on 127.0.0.1 and serve in a daemon thread."""
        handler = type("Handler", (_Handler,), {"server_state": self})
        self._httpd = _HTTPServer(("127.0.0.1", 0), handler, self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="openai-test-server", kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, cut open connections (and any delayed reply), free the port."""
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            with self._lock:
                connections = list(self._connections)
            for conn in connections:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> OpenAIServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The TCP port the server listens on."""
        if self._httpd is None:
            raise RuntimeError("OpenAIServer is not started")
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        """The base URL to give a client, e.g. "http://127.0.0.1:43127/v1"."""
        return f"http://127.0.0.1:{self.port}/v1"

    # -- scripting ------------------------------------------------------------------------
    def enqueue(self, *replies: ReplySource) -> OpenAIServer:
        """Queue replies for the next chat completions: text, a `Reply`, or a callable of the request."""
        with self._lock:
            self._replies.extend(replies)
        return self

    def fail_next(
        self,
        status: int,
        times: int = 1,
        *,
        retry_after: float | None = None,
        retry_after_ms: float | None = None,
        message: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> OpenAIServer:
        """Answer the next `times` chat completions with HTTP `status` (e.g. 429 with Retry-After, 500, 503)."""
        extra = dict(headers or {})
        if retry_after is not None:
            extra["Retry-After"] = _number(retry_after)
        if retry_after_ms is not None:
            extra["retry-after-ms"] = _number(retry_after_ms)
        return self._add_faults(Fault("status", status=status, message=message, headers=extra), times)

    def delay_next(self, seconds: float, times: int = 1) -> OpenAIServer:
        """Wait `seconds` before answering the next `times` chat completions (to trip client time-outs)."""
        return self._add_faults(Fault("delay", delay=seconds), times)

    def malformed_next(self, times: int = 1) -> OpenAIServer:
        """Answer the next `times` chat completions with HTTP 200 and a body that is not JSON."""
        return self._add_faults(Fault("malformed"), times)

    def break_stream_next(self, after_chunks: int = 2, times: int = 1) -> OpenAIServer:
        """Cut the connection after `after_chunks` content chunks of the next `times` replies."""
        return self._add_faults(Fault("break_stream", after_chunks=after_chunks), times)

    def fail_next_batch(self, message: str = "The batch could not be processed.") -> OpenAIServer:
        """Make the next batch created end as `failed` with this error message (no output file)."""
        with self._lock:
            self._batch_failures.append(message)
        return self

    def expire_next_batch(self, answered: int) -> OpenAIServer:
        """Make the next batch created end as `expired` after answering only its first `answered` lines."""
        with self._lock:
            self._batch_expiries.append(answered)
        return self

    def error_batch_requests(self, *custom_ids: str) -> OpenAIServer:
        """Answer these request lines of any batch with an error (they go to the batch's error file)."""
        with self._lock:
            self._erroring_ids.update(custom_ids)
        return self

    def reset(self) -> None:
        """Forget queued replies, pending faults and recorded requests."""
        with self._lock:
            self._replies.clear()
            self._faults.clear()
            self.requests.clear()
            self.errors.clear()
            self.batch_requests.clear()
            self._batch_failures.clear()
            self._batch_expiries.clear()
            self._erroring_ids.clear()

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        """The recorded POST /chat/completions requests, in order."""
        return [r for r in self.requests if r.method == "POST" and r.path.endswith("/chat/completions")]

    @property
    def batch_creations(self) -> list[RecordedRequest]:
        """The recorded POST /batches requests, in order."""
        return [r for r in self.requests if r.method == "POST" and r.path.rstrip("/").endswith("/batches")]

    def _add_faults(self, fault: Fault, times: int) -> OpenAIServer:
        with self._lock:
            self._faults.extend(Fault(**vars(fault)) for _ in range(times))
        return self

    # -- used by the handler --------------------------------------------------------------
    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _next_fault(self) -> Fault | None:
        with self._lock:
            return self._faults.popleft() if self._faults else None

    def _next_reply(self, request: RecordedRequest) -> Reply:
        with self._lock:
            source = self._replies.popleft() if self._replies else self.default_reply
        if source is None:
            raise LookupError("OpenAIServer: no reply enqueued and no default_reply")
        if callable(source):
            source = source(request)
        return Reply(content=source) if isinstance(source, str) else source

    # -- files and batches ----------------------------------------------------------------
    def _new_id(self, prefix: str) -> str:
        with self._lock:
            return f"{prefix}-test{next(self._ids)}"

    def _store_file(self, filename: str, purpose: str, data: bytes) -> StoredFile:
        stored = StoredFile(self._new_id("file"), filename, purpose, data, int(time.time()))
        with self._lock:
            self.files[stored.id] = stored
        return stored

    def _create_batch(self, body: dict[str, Any]) -> dict[str, Any]:
        batch_id = self._new_id("batch")
        with self._lock:
            failure = self._batch_failures.popleft() if self._batch_failures else None
            expires_after = self._batch_expiries.popleft() if self._batch_expiries else None
        now = int(time.time())
        batch: dict[str, Any] = {
            "id": batch_id,
            "object": "batch",
            "endpoint": body.get("endpoint"),
            "errors": None,
            "input_file_id": body.get("input_file_id"),
            "completion_window": body.get("completion_window"),
            "status": "validating",
            "output_file_id": None,
            "error_file_id": None,
            "created_at": now,
            "expires_at": now + 86_400,
            "request_counts": {"total": 0, "completed": 0, "failed": 0},
            "metadata": body.get("metadata"),
        }
        with self._lock:
            self.batches[batch_id] = {"public": batch, "polls": 0, "failure": failure, "expires_after": expires_after}
        return batch

    def _poll_batch(self, batch_id: str) -> dict[str, Any] | None:
        """The batch as a GET sees it, moved one step on every `polls_per_status` GETs."""
        with self._lock:
            entry = self.batches.get(batch_id)
            if entry is None:
                return None
            entry["polls"] += 1
            batch = entry["public"]
            step = entry["polls"] % self.polls_per_status == 0
            status = batch["status"]
        if not step or status in ("completed", "failed", "expired", "cancelled"):
            return dict(batch)
        now = int(time.time())
        if status == "validating":
            problem = entry["failure"] or self._invalid_input(batch.get("input_file_id"))
            if problem:
                batch.update(status="failed", failed_at=now)
                batch["errors"] = {"object": "list", "data": [{"code": "invalid_request", "message": problem}]}
            else:
                lines = self._input_lines(batch["input_file_id"])
                batch.update(status="in_progress", in_progress_at=now)
                batch["request_counts"] = {"total": len(lines), "completed": 0, "failed": 0}
        elif status == "in_progress":
            self._run_batch(batch, entry["expires_after"])
        return dict(batch)

    def _input_lines(self, file_id: str | None) -> list[dict[str, Any]]:
        stored = self.files.get(file_id or "")
        if stored is None:
            return []
        return [json.loads(line) for line in stored.data.decode("utf-8").splitlines() if line.strip()]

    def _invalid_input(self, file_id: str | None) -> str | None:
        stored = self.files.get(file_id or "")
        if stored is None:
            return f"Input file {file_id!r} does not exist."
        seen: set[str] = set()
        for number, line in enumerate(stored.data.decode("utf-8", errors="replace").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except ValueError:
                return f"Line {number} is not valid JSON."
            custom_id = item.get("custom_id") if isinstance(item, dict) else None
            if not isinstance(custom_id, str) or item.get("method") != "POST" or not isinstance(item.get("body"), dict):
                return f"Line {number}: each line needs custom_id, method POST, url and body."
            if custom_id in seen:
                return f"Line {number}: duplicate custom_id {custom_id!r}."
            seen.add(custom_id)
        return None if seen else "The input file has no requests."

    def _run_batch(self, batch: dict[str, Any], expires_after: int | None = None) -> None:
        outputs: list[str] = []
        errors: list[str] = []
        for number, item in enumerate(self._input_lines(batch["input_file_id"])):
            if expires_after is not None and number >= expires_after:
                error = {
                    "code": "batch_expired",
                    "message": "This request could not be executed before the batch expired.",
                }
                errors.append(
                    json.dumps(
                        {
                            "id": self._new_id("batch_req"),
                            "custom_id": item["custom_id"],
                            "response": None,
                            "error": error,
                        }
                    )
                )
                continue
            raw = json.dumps(item["body"]).encode()
            request = RecordedRequest("POST", item.get("url", ""), {}, raw, item["body"])
            with self._lock:
                self.batch_requests.append(request)
                erroring = item["custom_id"] in self._erroring_ids
            line_id = self._new_id("batch_req")
            if erroring:
                body: dict[str, Any] = {"error": {"message": "The server had an error.", "type": "server_error"}}
                response = {"status_code": 500, "request_id": line_id, "body": body}
                errors.append(json.dumps({"id": line_id, "custom_id": item["custom_id"], "response": response}))
                continue
            completion = _completion(request, self._next_reply(request))
            response = {"status_code": 200, "request_id": line_id, "body": completion}
            outputs.append(
                json.dumps({"id": line_id, "custom_id": item["custom_id"], "response": response, "error": None})
            )
        now = int(time.time())
        if outputs:
            batch["output_file_id"] = self._store_file("batch_output.jsonl", "batch_output", _jsonl(outputs)).id
        if errors:
            batch["error_file_id"] = self._store_file("batch_errors.jsonl", "batch_output", _jsonl(errors)).id
        batch["request_counts"] = {
            "total": len(outputs) + len(errors),
            "completed": len(outputs),
            "failed": len(errors),
        }
        if expires_after is not None:
            batch.update(status="expired", expired_at=now)
        else:
            batch.update(status="completed", finalizing_at=now, completed_at=now)


@dataclass(frozen=True)
class StoredFile:
    """A file uploaded to (or produced by) the server."""

    id: str
    filename: str
    purpose: str
    data: bytes
    created_at: int

    def public(self) -> dict[str, Any]:
        """The file object the API returns."""
        return {
            "id": self.id,
            "object": "file",
            "bytes": len(self.data),
            "created_at": self.created_at,
            "filename": self.filename,
            "purpose": self.purpose,
            "status": "processed",
        }


def _jsonl(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def _multipart_fields(content_type: str, raw: bytes) -> dict[str, tuple[str | None, bytes]]:
    """The fields of a multipart/form-data body: name -> (filename, bytes)."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + raw)
    fields: dict[str, tuple[str | None, bytes]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if isinstance(name, str):
            payload = part.get_payload(decode=True)
            fields[name] = (part.get_filename(), payload if isinstance(payload, bytes) else b"")
    return fields


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


class _HTTPServer(ThreadingHTTPServer):
    """Tracks open connections so `stop()` can cut them."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], state: OpenAIServer) -> None:
        self.state = state
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.state._lock:
            self.state._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.state._lock:
            self.state._connections.discard(request)
        super().shutdown_request(request)


class _Handler(BaseHTTPRequestHandler):
    """Speaks enough of the OpenAI REST API for chat clients."""

    protocol_version = "HTTP/1.1"
    server_state: OpenAIServer
    timeout = 30  # idle keep-alive connections are dropped after this

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: pytest output is for test results."""

    # -- plumbing -------------------------------------------------------------------------
    def _read_request(self) -> RecordedRequest:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        headers = {name.lower(): value for name, value in self.headers.items()}
        request = RecordedRequest(self.command, self.path, headers, raw, body)
        self.server_state._record(request)
        return request

    def _send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        self._send_bytes(status, json.dumps(payload).encode(), "application/json", headers)

    def _send_bytes(self, status: int, data: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def _send_error(
        self,
        status: int,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        error = {"message": message, "type": _ERROR_TYPES.get(status, "api_error"), "param": param, "code": code}
        self._send_json(status, {"error": error}, headers)

    def _cut_connection(self) -> None:
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # -- routes ---------------------------------------------------------------------------
    def do_GET(self) -> None:
        """GET /v1/models, /v1/files/{id}, /v1/files/{id}/content, /v1/batches/{id}."""
        self._read_request()
        path = self.path.split("?")[0].rstrip("/")
        state = self.server_state
        file_match = re.search(r"/files/([^/]+)(/content)?$", path)
        batch_match = re.search(r"/batches/([^/]+)$", path)
        if file_match:
            stored = state.files.get(file_match.group(1))
            if stored is None:
                self._send_error(404, f"No such File object: {file_match.group(1)}")
            elif file_match.group(2):
                self._send_bytes(200, stored.data, "application/octet-stream")
            else:
                self._send_json(200, stored.public())
        elif batch_match:
            batch = state._poll_batch(batch_match.group(1))
            if batch is None:
                self._send_error(404, f"No batch found with id '{batch_match.group(1)}'.")
            else:
                self._send_json(200, batch)
        elif path.endswith("/models"):
            data = [
                {"id": m, "object": "model", "created": 0, "owned_by": "hotseat-tests"}
                for m in self.server_state.models
            ]
            self._send_json(200, {"object": "list", "data": data})
        else:
            self._send_error(404, f"Unknown path {self.path}")

    def do_POST(self) -> None:
        """POST /v1/chat/completions, /v1/files (multipart), /v1/batches."""
        request = self._read_request()
        path = self.path.split("?")[0].rstrip("/")
        if path.endswith("/files"):
            self._upload(request)
            return
        if path.endswith("/batches"):
            self._batch(request)
            return
        if not path.endswith("/chat/completions"):
            self._send_error(404, f"Unknown path {self.path}")
            return
        try:
            self._chat(request)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (time-out): nothing to answer
        except Exception:
            state = self.server_state
            state.errors.append(traceback.format_exc())
            self._send_error(
                500, "OpenAIServer bug: " + traceback.format_exc(limit=1), headers={"x-should-retry": "false"}
            )

    def _upload(self, request: RecordedRequest) -> None:
        content_type = request.headers.get("content-type", "")
        if not content_type.startswith("multipart/form-data"):
            self._send_error(400, "Uploads must be multipart/form-data.")
            return
        fields = _multipart_fields(content_type, request.raw)
        if "file" not in fields or "purpose" not in fields:
            self._send_error(400, "'file' and 'purpose' are required.")
            return
        filename, data = fields["file"]
        purpose = fields["purpose"][1].decode("utf-8", errors="replace")
        stored = self.server_state._store_file(filename or "upload", purpose, data)
        self._send_json(200, stored.public())

    def _batch(self, request: RecordedRequest) -> None:
        body = request.body
        if not isinstance(body, dict) or not body.get("input_file_id"):
            self._send_error(400, "'input_file_id' is required.")
            return
        if body.get("endpoint") != "/v1/chat/completions" or body.get("completion_window") != "24h":
            self._send_error(400, "endpoint must be /v1/chat/completions and completion_window 24h.")
            return
        stored = self.server_state.files.get(body["input_file_id"])
        if stored is None or stored.purpose != "batch":
            self._send_error(400, f"Input file {body['input_file_id']!r} is missing or not uploaded for 'batch'.")
            return
        self._send_json(200, self.server_state._create_batch(body))

    def _chat(self, request: RecordedRequest) -> None:
        state = self.server_state
        body = request.body
        if not isinstance(body, dict):
            self._send_error(400, "We could not parse the JSON body of your request.")
            return
        if not body.get("model") or not isinstance(body.get("messages"), list):
            self._send_error(400, "'model' and 'messages' are required properties.")
            return
        if self._refuse_by_mode(body):
            return

        fault = state._next_fault()
        if fault is not None and fault.kind == "status":
            message = fault.message or _DEFAULT_MESSAGES.get(fault.status, f"HTTP {fault.status}")
            code = "rate_limit_exceeded" if fault.status == 429 else None
            self._send_error(fault.status, message, code=code, headers=fault.headers)
            return

        reply = state._next_reply(request)  # taken on arrival, so a delayed request keeps its place
        if fault is not None and fault.kind == "delay" and state._stopping.wait(fault.delay):
            self._cut_connection()
            return
        if fault is not None and fault.kind == "malformed":
            self._send_bytes(200, b'{"id": "chatcmpl-broken", "choices": [{"mess', "application/json")
            return
        break_after = fault.after_chunks if fault is not None and fault.kind == "break_stream" else None
        if request.stream:
            self._stream(request, reply, break_after)
        elif break_after is not None:
            data = json.dumps(_completion(request, reply)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self._cut_connection()
        else:
            self._send_json(200, _completion(request, reply))

    def _refuse_by_mode(self, body: dict[str, Any]) -> bool:
        """Emulate servers' structured-output quirks; True when the request was refused."""
        mode = self.server_state.mode
        fmt = body.get("response_format")
        fmt_type = fmt.get("type") if isinstance(fmt, dict) else None
        if mode == "plain" and fmt is not None:
            self._send_error(400, "Unrecognized request argument supplied: response_format", param="response_format")
            return True
        if mode == "plain" and body.get("tools"):
            self._send_error(400, "Unrecognized request argument supplied: tools", param="tools")
            return True
        if mode == "llamacpp-legacy" and fmt_type == "json_schema":
            # An older llama.cpp server: an unsupported response_format type is an HTTP 500.
            self._send_llamacpp_error(
                'response_format type must be one of "text" or "json_object", but got: json_schema'
            )
            return True
        if fmt_type not in (None, "text", "json_object", "json_schema"):
            self._send_error(400, f"Invalid value for response_format.type: {fmt_type!r}", param="response_format")
            return True
        if mode == "openai" and fmt_type == "json_schema":
            spec = fmt.get("json_schema") if isinstance(fmt, dict) else None
            if not isinstance(spec, dict) or not spec.get("name"):
                self._send_error(
                    400,
                    "Missing required parameter: 'response_format.json_schema.name'.",
                    param="response_format.json_schema.name",
                )
                return True
        return False

    def _send_llamacpp_error(self, message: str) -> None:
        """An error shaped as llama.cpp's server sends it."""
        self._send_json(500, {"error": {"code": 500, "message": message, "type": "server_error"}})

    def _stream(self, request: RecordedRequest, reply: Reply, break_after: int | None) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for index, event in enumerate(_stream_events(request, reply)):
            # event 0 carries the role; content chunks start at 1
            if break_after is not None and index > break_after:
                self._cut_connection()
                return
            if index > 1 and reply.chunk_delay:
                time.sleep(reply.chunk_delay)
            self._write_chunk(f"data: {event}\n\n".encode())
        self._write_chunk(b"data: [DONE]\n\n")
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):X}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()


# -- response bodies ----------------------------------------------------------------------
def _usage(request: RecordedRequest, reply: Reply) -> dict[str, Any]:
    prompt = reply.prompt_tokens
    if prompt is None:
        prompt = sum(len(_text(m.get("content")).split()) for m in request.messages)
    completion = reply.completion_tokens
    if completion is None:
        completion = len([c for c in reply.stream_chunks() if c.strip()])
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": reply.cached_tokens},
        "completion_tokens_details": {"reasoning_tokens": 0},
    }


def _finish_reason(reply: Reply) -> str:
    return reply.finish_reason or ("tool_calls" if reply.tool_calls else "stop")


def _envelope(request: RecordedRequest, obj: str) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-test{len(request.raw)}",
        "object": obj,
        "created": int(time.time()),
        "model": request.body.get("model", "test-model"),
        "system_fingerprint": "fp_hotseat_tests",
    }


def _completion(request: RecordedRequest, reply: Reply) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": None if reply.tool_calls else reply.content}
    if reply.tool_calls:
        message["tool_calls"] = reply.tool_calls
    choice = {"index": 0, "message": message, "logprobs": None, "finish_reason": _finish_reason(reply)}
    return {**_envelope(request, "chat.completion"), "choices": [choice], "usage": _usage(request, reply)}


def _stream_events(request: RecordedRequest, reply: Reply) -> Iterator[str]:
    """The JSON payloads of a chat.completion.chunk stream, role first, usage last when asked."""
    options = request.body.get("stream_options") or {}
    include_usage = bool(options.get("include_usage"))
    base = _envelope(request, "chat.completion.chunk")

    def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
        payload = {**base, "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}
        if include_usage:
            payload["usage"] = None
        return json.dumps(payload)

    yield chunk({"role": "assistant", "content": "" if not reply.tool_calls else None})
    if reply.tool_calls:
        calls = [{**call, "index": i} for i, call in enumerate(reply.tool_calls)]
        yield chunk({"tool_calls": calls})
    else:
        for piece in reply.stream_chunks():
            yield chunk({"content": piece})
    yield chunk({}, _finish_reason(reply))
    if include_usage:
        yield json.dumps({**base, "choices": [], "usage": _usage(request, reply)})
