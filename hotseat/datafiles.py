"""Find the data files shipped in the package, and load YAML ones into strict pydantic models."""

from __future__ import annotations

import atexit
import difflib
from contextlib import ExitStack
from importlib.resources import as_file, files
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from hotseat.errors import HotseatError

M = TypeVar("M", bound=BaseModel)

_extracted = ExitStack()  # resources copied out of a zipped install, removed at exit
atexit.register(_extracted.close)


def packaged_path(package: str, *parts: str) -> Path:
    """A real file-system path to data shipped inside `package` (e.g. `"evaluators", "rubrics"`).

    Found with importlib.resources, so it works in a checkout, an editable install and an installed
    wheel alike; a path inside a zipped install is extracted to a temporary copy first.
    """
    resource = files(package).joinpath(*parts)
    if isinstance(resource, Path):
        return resource
    return _extracted.enter_context(as_file(resource))


class StrictModel(BaseModel):
    """A data-file model: unknown keys are errors, values are stripped of stray whitespace."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


def describe_validation_error(exc: ValidationError) -> str:
    """Turn pydantic's errors into lines naming each field and what to do."""
    lines = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        kind = err["type"]
        if kind == "missing":
            fix = "add this field"
        elif kind == "extra_forbidden":
            fix = "remove this key or fix its spelling"
        else:
            fix = err["msg"]
        lines.append(f"  - {where}: {fix}")
    return "\n".join(lines)


def load_yaml_model(path: Path, model: type[M], error: type[HotseatError], **extra: object) -> M:
    """Read `path` as YAML and validate it as `model`; raise `error` naming file and field."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise error(f"Cannot read {path}: {exc.strerror}.", hint="Check the path and permissions.") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise error(
            f"{path.name} is not valid YAML{at}: {problem}.",
            hint=f"Fix the YAML syntax in {path} (indentation and quoting are the usual causes).",
        ) from exc
    if not isinstance(raw, dict):
        raise error(
            f"{path.name} must contain a YAML mapping (key: value pairs), not {type(raw).__name__}.",
            hint=f"See the other files beside {path} for the expected shape.",
        )
    try:
        return model.model_validate({**raw, **extra})
    except ValidationError as exc:
        raise error(
            f"{path.name} is invalid:\n{describe_validation_error(exc)}",
            hint=f"Edit {path}; the schema is {model.__module__}.{model.__name__}.",
        ) from exc


def closest(name: str, known: list[str]) -> str:
    """A 'closest matches: …' phrase for an unknown name."""
    matches = difflib.get_close_matches(name, known, n=3, cutoff=0.3)
    if matches:
        return "closest matches: " + ", ".join(matches)
    return "known: " + ", ".join(sorted(known))
