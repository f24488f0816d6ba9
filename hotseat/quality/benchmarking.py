"""Discover and run the benchmark scripts under benchmarks/ (each exposes `run() -> dict`)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from hotseat.quality.checkout import checkout_folder

# Benchmarks that need external data or a key are run by hand, not by `hotseat bench`.
_MANUAL = {"evaluator_agreement"}


def discover(folder: Path | None = None) -> list[Path]:
    """Benchmark scripts (of the checkout's benchmarks/ by default), sorted by name."""
    folder = checkout_folder("benchmarks") if folder is None else folder
    return sorted(p for p in folder.glob("*.py") if not p.name.startswith("_") and p.stem not in _MANUAL)


def run_one(path: Path) -> dict[str, Any]:
    """Import one benchmark script and return its figures."""
    spec = importlib.util.spec_from_file_location(f"hotseat_bench_{path.stem}", path)
    if spec is None or spec.loader is None:
        return {"error": f"cannot import {path}"}
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    runner = getattr(module, "run", None)
    if runner is None:
        return {"error": f"{path.name} has no run() function"}
    result: dict[str, Any] = runner()
    return result


def run_all(folder: Path | None = None) -> dict[str, dict[str, Any]]:
    """Figures of every benchmark, by script name."""
    return {path.stem: run_one(path) for path in discover(folder)}
