"""Merge corpus/scenario_examples/<persona>.yaml into the persona files' scenarios (trigger/need examples).

`python scripts/merge_scenario_examples.py` rewrites each scenario's `trigger_examples` and
`need_examples` blocks in personas/<persona>.yaml, keeping the rest of the file (and its comments);
a scenario that already carries its examples is left exactly as it is.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _block(key: str, lines: list[str]) -> str:
    return f"    {key}:\n" + "".join(f"      - {json.dumps(line, ensure_ascii=False)}\n" for line in lines)


def merge(persona_file: Path, examples: dict[str, dict[str, list[str]]]) -> None:
    text = persona_file.read_text(encoding="utf-8")
    declared = {s["id"]: s for s in yaml.safe_load(text).get("scenarios", [])}
    for scenario_id, ex in examples.items():
        have = declared.get(scenario_id, {})
        if have.get("trigger_examples") == ex.get("triggers", []) and have.get("need_examples") == ex.get("needs", []):
            continue  # already carried: leave the scenario (and where its blocks sit) as it is
        start = text.index(f"  - id: {scenario_id}\n")
        nxt = text.find("\n  - id: ", start + 1)
        end = len(text) if nxt < 0 else nxt
        section = text[start:end]
        section = re.sub(r"    (trigger|need)_examples:\n(      - .*\n)+", "", section)
        at = section.index("    walk_away_when:")
        section = (
            section[:at]
            + _block("trigger_examples", ex.get("triggers", []))
            + _block("need_examples", ex.get("needs", []))
            + section[at:]
        )
        text = text[:start] + section + text[end:]
    yaml.safe_load(text)
    persona_file.write_text(text, encoding="utf-8")


def main() -> None:
    for path in sorted((ROOT / "corpus" / "scenario_examples").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        merge(ROOT / "personas" / f"{data['persona']}.yaml", data["scenarios"])
        print(f"merged {path.name}")


if __name__ == "__main__":
    main()
