"""Prompt files: declared variables, loud failures."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import PROJECT_ROOT

from hotseat.errors import PromptError
from hotseat.prompts import PromptLibrary


def test_every_shipped_prompt_loads() -> None:
    library = PromptLibrary(PROJECT_ROOT / "prompts")
    for path in (PROJECT_ROOT / "prompts").glob("*.yaml"):
        assert library.get(path.stem).variables is not None


def test_missing_variable_fails_loudly(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text("description: d\nvariables: [who]\nsystem: 'Hello {{ who }}'\n")
    prompt = PromptLibrary(tmp_path).get("p")
    assert prompt.render(who="Ana")[0].content == "Hello Ana"
    with pytest.raises(PromptError, match=r"needs variable\(s\) \['who'\]"):
        prompt.render()


def test_undeclared_variable_in_template_is_a_file_error(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text("description: d\nvariables: []\nsystem: 'Hello {{ who }}'\n")
    with pytest.raises(PromptError, match="templates use \\['who'\\] but do not declare them"):
        PromptLibrary(tmp_path).get("p")


def test_unknown_prompt_suggests_closest(tmp_path: Path) -> None:
    with pytest.raises(PromptError, match="closest matches: customer"):
        PromptLibrary(PROJECT_ROOT / "prompts").get("custommer")
