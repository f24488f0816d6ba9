"""The built wheel works anywhere: its data ships inside it, and `hotseat` runs from an empty folder.

The wheel is built offline (no build isolation, the test venv's setuptools) from a copy of the
checkout, installed with --no-deps into a fresh venv that sees the test venv's dependencies
through a .pth line (never its editable hotseat), and run from an empty folder.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest
from support import PROJECT_ROOT

SOURCES = ("pyproject.toml", "README.md", "hotseat", "evaluators", "personas", "prompts")
BUNDLED = {"personas": "hotseat/bundled/personas", "prompts": "hotseat/bundled/prompts"}
_IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc")


def _expected_files(src: Path) -> set[str]:
    """Every file of the package folders (docs aside) at its place in the wheel."""
    expected = set()
    for top in ("hotseat", "evaluators", *BUNDLED):
        for path in (src / top).rglob("*"):
            if path.is_file() and path.suffix != ".md" and "__pycache__" not in path.parts:
                relative = path.relative_to(src).as_posix()
                expected.add(BUNDLED[top] + relative[len(top) :] if top in BUNDLED else relative)
    return expected


def test_the_dev_install_reads_the_checkouts_own_folders() -> None:
    """The editable install maps hotseat.bundled.* onto personas/ and prompts/: edits apply without reinstalling."""
    from hotseat.settings import Settings

    settings = Settings()
    assert settings.personas_dir.resolve() == PROJECT_ROOT / "personas"
    assert settings.prompts_dir.resolve() == PROJECT_ROOT / "prompts"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the source copy, the wheel built from it)."""
    root = tmp_path_factory.mktemp("wheel")
    src = root / "src"
    src.mkdir()
    for name in SOURCES:  # a copy: stale build/ files never leak in, and the checkout is left alone
        source = PROJECT_ROOT / name
        if source.is_dir():
            shutil.copytree(source, src / name, ignore=_IGNORED)
        else:
            shutil.copy2(source, src / name)
    out = root / "dist"
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index"]
    subprocess.run([*command, "--quiet", "--wheel-dir", str(out), str(src)], check=True, timeout=300)
    (wheel,) = out.glob("hotseat-*.whl")
    return src, wheel


@pytest.fixture(scope="module")
def installed(built: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding only the wheel; the test venv's packages are reachable, its hotseat is not."""
    env_dir = tmp_path_factory.mktemp("venv") / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # A plain path line: the dependencies become importable, but that folder's own .pth files (the
    # editable install's finder) are not run, so `import hotseat` can only find the wheel's copy.
    (Path(purelib) / "_test_dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    install = [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "--quiet"]
    subprocess.run([*install, str(built[1])], check=True, timeout=300)
    return env_dir


def _run(env_dir: Path, cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "HOTSEAT_DATA_DIR", "VIRTUAL_ENV"}}
    return subprocess.run(
        [str(env_dir / "bin" / args[0]), *args[1:]],
        cwd=cwd,
        env={**clean, "HOTSEAT_PROVIDER": "scripted", **env},
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.mark.slow
def test_the_wheel_holds_the_code_and_every_data_file(built: tuple[Path, Path]) -> None:
    src, wheel = built
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = _expected_files(src)
    assert not expected - names, f"missing from the wheel: {sorted(expected - names)}"
    for needed in (
        "hotseat/bundled/personas/policy-over-problem.yaml",
        "hotseat/bundled/prompts/customer.yaml",
        "hotseat/bundled/prompts/coach/coaching.yaml",
        "evaluators/rubrics/empathy.yaml",
        "evaluators/lexicons/flags.yaml",
        "evaluators/lexicons/stock_lines.txt",
        "evaluators/models/reader.json",
        "evaluators/models/minilm-m2v/model.safetensors",
        "evaluators/models/minilm-m2v/tokenizer.json",
        "hotseat/storage/migrations/env.py",
        "hotseat/storage/migrations/script.py.mako",
        "hotseat/storage/migrations/versions/0001_practice.py",
    ):
        assert needed in names


@pytest.mark.slow
def test_the_installed_wheel_runs_from_an_empty_folder(installed: Path, tmp_path: Path) -> None:
    work = tmp_path / "empty"
    work.mkdir()
    where = _run(
        installed,
        work,
        "python",
        "-c",
        "import hotseat, evaluators.embeddings as e; from hotseat.settings import load_settings;"
        " s = load_settings(); print(hotseat.__file__); print(e.MODEL_DIR); print(s.personas_dir); print(s.data_dir)",
    )
    assert where.returncode == 0, where.stderr
    for line in where.stdout.splitlines()[:3]:  # the wheel's copy, not the checkout's editable one
        assert Path(line).is_relative_to(installed), where.stdout
    assert Path(where.stdout.splitlines()[3]) == work / ".hotseat"

    listed = _run(installed, work, "hotseat", "personas")
    assert listed.returncode == 0, listed.stderr
    assert "policy-over-problem" in listed.stdout and "sorry-hardest-word" in listed.stdout

    script = tmp_path / "lines.txt"
    script.write_text(
        "Our policy says no refunds after 30 days.\n"
        "I'm so sorry, that was our mistake: you lost the trip because of our rule. I'll refund you today.\n"
    )
    command = ("hotseat", "chat", "--persona", "policy-over-problem", "--script", str(script), "--json")
    chat = _run(installed, work, *command)
    assert chat.returncode == 0, chat.stderr
    session = json.loads(chat.stdout)
    trainee = [t for t in session["turns"] if t["role"] == "trainee"]
    assert [t["text"] for t in trainee] == script.read_text().splitlines()
    assert "policy_hiding" in trainee[0]["flags"]  # the lexicons and the reader's model were found
    assert sum(t["role"] == "customer" for t in session["turns"]) >= 3  # the persona's opening and replies
    assert (work / ".hotseat" / "hotseat.db").is_file()  # migrated in the working directory's data folder
    assert sorted(p.name for p in work.iterdir()) == [".hotseat"]


@pytest.mark.slow
def test_settings_can_point_the_installed_wheel_at_other_data(installed: Path, tmp_path: Path) -> None:
    personas = tmp_path / "my-personas"
    personas.mkdir()
    shutil.copy2(PROJECT_ROOT / "personas" / "sorry-hardest-word.yaml", personas)
    listed = _run(installed, tmp_path, "hotseat", "personas", "--json", HOTSEAT_PERSONAS_DIR=str(personas))
    assert listed.returncode == 0, listed.stderr
    assert [p["id"] for p in json.loads(listed.stdout)] == ["sorry-hardest-word"]


@pytest.mark.slow
def test_checkout_only_tools_say_so_from_an_installed_wheel(installed: Path, tmp_path: Path) -> None:
    bench = _run(installed, tmp_path, "hotseat", "bench")
    assert bench.returncode == 2
    assert "source checkout" in bench.stderr and "Traceback" not in bench.stderr
