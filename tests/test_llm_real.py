"""Against a real llama.cpp `llama-server` with a small model on loopback (the `llm` marker).

Few and short: small max_tokens, short prompts where the test allows. Quality is measured in
benchmarks/llm_server.py; these prove the plumbing against a real server: streaming in the CLI
and in the browser, each structured-output mode, `hotseat grade`, and a debrief that does not
wait for the judge. The browser test comes last: its background judge may still be busy on the
server when it ends.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from support import PROJECT_ROOT

from evaluators.judge import extract_json_object, make_llm_judge
from evaluators.judge_schema import JudgeAnswer
from evaluators.skills import Skill
from evaluators.transcript import Transcript, TranscriptTurn
from hotseat.errors import EvaluationError
from hotseat.providers.devserver import MODEL_ALIAS
from hotseat.settings import Settings, StructuredMode

pytestmark = pytest.mark.llm

SHORT_RUBRICS = {s: f"{s.value}: 1 = never shown; 3 = shown once; 5 = shown throughout." for s in Skill}
TRANSCRIPT = Transcript(
    id="real-1",
    persona="policy-over-problem",
    turns=[
        TranscriptTurn(role="customer", text="You charged me twice and nobody called me back."),
        TranscriptTurn(role="trainee", text="I'm sorry, that's our mistake. Being charged twice is not OK."),
    ],
)


def _env(llama_server: Any, tmp_path: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "HOTSEAT_")) or "REQUIRE" in k}
    env.update(
        OPENAI_BASE_URL=llama_server.base_url,
        HOTSEAT_PROVIDER="openai",
        HOTSEAT_MODEL=MODEL_ALIAS,
        HOTSEAT_DATA_DIR=str(tmp_path / "data"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'data' / 'hotseat.db'}",
        HOTSEAT_REQUEST_TIMEOUT_S="240",
        HOTSEAT_CUSTOMER_MAX_TOKENS="60",
        PYTHONUNBUFFERED="1",
        **settings,
    )
    return env


def test_the_cli_streams_the_customers_reply(llama_server: Any, tmp_path: Path) -> None:
    script = tmp_path / "lines.txt"
    script.write_text("I'm sorry, that sounds awful. What happened?\n", encoding="utf-8")
    command = [
        sys.executable,
        "-m",
        "hotseat.cli",
        "chat",
        "--persona",
        "policy-over-problem",
        "--script",
        str(script),
    ]
    process = subprocess.Popen(
        command, cwd=PROJECT_ROOT, env=_env(llama_server, tmp_path, HOTSEAT_TURN_LIMIT="3"), stdout=subprocess.PIPE
    )
    assert process.stdout is not None
    reads: list[tuple[float, bytes]] = []
    while chunk := os.read(process.stdout.fileno(), 4096):
        reads.append((time.monotonic(), chunk))
    assert process.wait(timeout=60) == 0

    text = b"".join(c for _, c in reads).decode()
    name = re.findall(r"^([A-Z][A-Za-z.' -]+): ", text, re.M)[0]  # the opening line: "<customer>: ..."
    assert text.count(f"\n{name}:") >= 2, text
    reply = text.split(f"\n{name}:")[2].split("\n", 1)[0]
    assert reply.strip(), f"no reply in:\n{text}"
    # the speaker's name is on screen before the reply is complete: the terminal streams
    seen = ""
    name_at = line_end_at = None
    for at, chunk in reads:
        seen += chunk.decode(errors="ignore")
        parts = seen.split(f"\n{name}:")
        if name_at is None and len(parts) >= 3:
            name_at = at
        if name_at is not None and len(parts) >= 3 and "\n" in parts[2]:
            line_end_at = at
            break
    assert name_at is not None and line_end_at is not None
    assert name_at < line_end_at, "the reply line arrived all at once"


@pytest.mark.parametrize("mode", list(StructuredMode)[1:], ids=lambda m: m.value)
def test_the_judge_in_each_structured_output_mode(llama_server: Any, mode: StructuredMode) -> None:
    from hotseat.providers.openai_compat import OpenAIChatModel

    settings = Settings(openai_base_url=llama_server.base_url, model=MODEL_ALIAS, structured_output=mode, max_retries=0)
    model = OpenAIChatModel(settings, temperature=0.1, max_tokens=200, timeout_s=240)
    judge = make_llm_judge(model=model, rubrics=SHORT_RUBRICS, max_attempts=1)

    raw = model.complete_json(judge.render(TRANSCRIPT), JudgeAnswer)

    assert model.structured_mode is mode
    if mode in (StructuredMode.JSON_SCHEMA, StructuredMode.JSON_OBJECT):
        # grammar-constrained: the skills in schema order, each field in thinking order
        skills = extract_json_object(raw)["skills"]
        assert list(skills) == [s.value for s in Skill][: len(skills)] and skills
        first = next(iter(skills.values()))
        assert list(first)[: len(first)] == ["evidence", "reasoning", "score", "suggestion"][: len(first)]
    try:
        evaluation = judge(TRANSCRIPT, first_answer=raw)
    except EvaluationError as exc:  # a 0.5B model may answer nothing usable: then it says so
        assert exc.last_output == raw
    else:
        assert evaluation.evaluator == f"llm:{MODEL_ALIAS}"
        assert len(evaluation.skills) == len(Skill)


def test_hotseat_grade_with_the_real_judge(llama_server: Any, tmp_path: Path) -> None:
    line = TRANSCRIPT.model_dump() | {"scenario": "basic-economy-surgery"}
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(line) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    env = _env(llama_server, tmp_path, HOTSEAT_JUDGE_MAX_TOKENS="200", HOTSEAT_JUDGE_BUDGET_S="20")
    done = subprocess.run(
        [sys.executable, "-m", "hotseat.cli", "grade", str(source), "--out", str(out)],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=280,
    )
    assert done.returncode == 0, done.stderr
    record = json.loads(out.read_text(encoding="utf-8"))
    assert record["id"] == "real-1"
    assert set(record["skills"]) == {s.value for s in Skill}
    if record["evaluator"] == "offline":
        assert "offline evaluator" in record["fallback_reason"]
    else:
        assert record["evaluator"] == f"llm:{MODEL_ALIAS}"
        assert set(record.get("fallback_skills", [])) <= {s.value for s in Skill}


@pytest.mark.browser
def test_a_browser_conversation_reaches_the_debrief_without_waiting_for_the_judge(
    llama_server: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect
    from support import require_or_skip
    from support.browser import (
        APP_IDLE,
        ARTIFACTS,
        CHROMIUM,
        CHROMIUM_MISSING,
        UI_TIMEOUT_MS,
        chromium_page,
        run_streamlit,
    )

    require_or_skip(CHROMIUM.exists(), CHROMIUM_MISSING, "HOTSEAT_REQUIRE_BROWSER")
    env = _env(llama_server, tmp_path, HOTSEAT_TURN_LIMIT="1", HOTSEAT_JUDGE_MAX_TOKENS="200")
    env.pop("DATABASE_URL")
    with run_streamlit(tmp_path, env) as app, chromium_page(CHROMIUM, tmp_path / "profile", app, "llm-debrief") as page:
        page.goto(app.url)
        page.get_by_role("button", name="Start conversation").click()
        chat = page.get_by_test_id("stChatInputTextArea")
        expect(chat).to_be_visible(timeout=UI_TIMEOUT_MS)
        expect(page.locator(APP_IDLE)).to_have_count(1, timeout=UI_TIMEOUT_MS)
        chat.fill("I'm so sorry, that sounds really frustrating. What happened?")
        chat.press("Enter")
        messages = page.get_by_test_id("stChatMessage")
        expect(messages).to_have_count(3, timeout=240_000)  # opening, trainee, the customer's goodbye
        expect(page.get_by_text("Debrief")).to_be_visible(timeout=240_000)
        expect(page.get_by_text("Graded by the offline evaluator")).to_be_visible(timeout=UI_TIMEOUT_MS)
        expect(page.get_by_text("grading in the background")).to_be_visible(timeout=UI_TIMEOUT_MS)
        assert messages.nth(2).inner_text().strip()
        page.screenshot(path=str(ARTIFACTS / "llm-debrief.png"), full_page=True)
