"""tiktoken works with the network off, from the packaged encodings."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotseat import tokens


def test_encodings_load_offline_into_a_fresh_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tiktoken

    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "cache"))
    tokens.encoding.cache_clear()
    monkeypatch.setattr(tiktoken.registry, "ENCODINGS", {})  # forget what earlier tests loaded
    import tiktoken.load

    def no_download(blobpath: str) -> bytes:
        raise AssertionError(f"tiktoken tried to download {blobpath}")

    monkeypatch.setattr(tiktoken.load, "read_file", no_download)
    assert tokens.count_tokens("Hello, world") == 3
    assert tokens.encoding_for_model("gpt-4o").name == "o200k_base"
    assert tiktoken.get_encoding("cl100k_base").encode("hello") == [15339]
    tokens.encoding.cache_clear()
