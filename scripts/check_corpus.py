"""Check the labelled corpus (corpus/) against its format: `python scripts/check_corpus.py [FILES...]`.

Prints per-file counts and the level spread per skill; exits non-zero on any format error.
"""

from __future__ import annotations

import itertools
import sys
from collections import Counter
from pathlib import Path

import yaml

from evaluators.skills import Flag, Skill
from hotseat.quality.corpus import REPLY_KINDS as KINDS
from hotseat.quality.corpus import SESSION_KINDS

ROOT = Path(__file__).resolve().parent.parent
SKILLS = tuple(s.value for s in Skill)
FLAGS = {f.value for f in Flag}


def _skills(where: str, value: object, errors: list[str]) -> None:
    if not isinstance(value, dict) or set(value) != set(SKILLS):
        errors.append(f"{where}: skills must give exactly {SKILLS}")
        return
    for k, v in value.items():
        if not isinstance(v, int) or not 1 <= v <= 5:
            errors.append(f"{where}: {k}={v!r} is not 1-5")


def _flags(where: str, value: object, errors: list[str]) -> None:
    if not isinstance(value, list) or not set(value) <= FLAGS:
        errors.append(f"{where}: flags must be a list of {sorted(FLAGS)}")


def check_replies(path: Path, errors: list[str], levels: dict[str, Counter[int]], kinds: Counter[str]) -> int:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if data.get("scenario") != path.stem:
        errors.append(f"{path}: scenario must equal the file name")
    ids: set[str] = set()
    for item in data.get("items", []):
        where = f"{path.name}:{item.get('id')}"
        if set(item) - {"id", "kind", "customer", "reply", "skills", "flags", "why"}:
            errors.append(
                f"{where}: unknown keys {set(item) - {'id', 'kind', 'customer', 'reply', 'skills', 'flags', 'why'}}"
            )
        if item.get("id") in ids:
            errors.append(f"{where}: duplicate id")
        ids.add(item.get("id"))
        if item.get("kind") not in KINDS:
            errors.append(f"{where}: unknown kind {item.get('kind')!r}")
        kinds[item.get("kind")] += 1
        cust = item.get("customer")
        if not isinstance(cust, list) or not cust or not all(isinstance(c, str) and c.strip() for c in cust):
            errors.append(f"{where}: customer must be a non-empty list of strings")
        if not isinstance(item.get("reply"), str) or not item["reply"].strip():
            errors.append(f"{where}: reply must be a non-empty string")
        _skills(where, item.get("skills"), errors)
        _flags(where, item.get("flags", []), errors)
        if isinstance(item.get("skills"), dict):
            for k, v in item["skills"].items():
                if k in levels and isinstance(v, int):
                    levels[k][v] += 1
    return len(data.get("items", []))


def check_sessions(path: Path, errors: list[str]) -> int:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if data.get("scenario") != path.stem:
        errors.append(f"{path}: scenario must equal the file name")
    for s in data.get("sessions", []):
        where = f"{path.name}:{s.get('id')}"
        if s.get("kind") not in SESSION_KINDS:
            errors.append(f"{where}: unknown kind {s.get('kind')!r}")
        turns = s.get("turns") or []
        roles = [t.get("role") for t in turns]
        if not roles or roles[0] != "customer" or any(a == b for a, b in itertools.pairwise(roles)):
            errors.append(f"{where}: turns must alternate, customer first")
        if roles.count("trainee") < 3:
            errors.append(f"{where}: at least three trainee turns")
        _skills(where, s.get("skills"), errors)
        _flags(where, s.get("flags", []), errors)
        n = roles.count("trainee")
        for key in ("repeated_turns", "ignored_questions"):
            v = s.get(key, [])
            if not isinstance(v, list) or not all(isinstance(i, int) and 1 <= i <= n for i in v):
                errors.append(f"{where}: {key} must list trainee turn numbers 1..{n}")
        if not isinstance(s.get("followed_through"), bool):
            errors.append(f"{where}: followed_through must be true or false")
    return len(data.get("sessions", []))


def check_evidence(path: Path, errors: list[str]) -> int:
    """Every labelled sentence names a reply of the scenario, one of its flags (or values, for a reply at
    values 3+), and is copied exactly from it."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if data.get("scenario") != path.stem:
        errors.append(f"{path}: scenario must equal the file name")
    replies_path = path.parent.parent / "replies" / path.name
    if not replies_path.is_file():
        errors.append(f"{path}: no replies file {replies_path.name}")
        return 0
    by_id = {i.get("id"): i for i in yaml.safe_load(replies_path.read_text(encoding="utf-8")).get("items", [])}
    entries = data.get("items") or {}
    for item_id, flags in entries.items():
        item = by_id.get(item_id)
        if item is None:
            errors.append(f"{path.name}:{item_id}: no such reply")
            continue
        for flag, sentences in (flags or {}).items():
            if flag == "values":
                if item.get("skills", {}).get("values", 1) < 3:
                    errors.append(f"{path.name}:{item_id}: values sentences need a reply at values 3 or more")
            elif flag not in item.get("flags", []):
                errors.append(f"{path.name}:{item_id}: {flag!r} is not one of the reply's flags")
            if not isinstance(sentences, list) or not sentences:
                errors.append(f"{path.name}:{item_id}: {flag} must list one or more sentences")
                continue
            for sentence in sentences:
                if not isinstance(sentence, str) or " ".join(sentence.split()) not in " ".join(item["reply"].split()):
                    errors.append(f"{path.name}:{item_id}: {flag} sentence is not copied from the reply: {sentence!r}")
    return len(entries)


def main(argv: list[str]) -> int:
    errors: list[str] = []
    levels: dict[str, Counter[int]] = {k: Counter() for k in SKILLS}
    kinds: Counter[str] = Counter()
    files = [Path(a) for a in argv] or sorted((ROOT / "corpus").glob("*/*.yaml"))
    n_rep = n_ses = n_ev = 0
    for path in files:
        if path.parent.name == "replies":
            n_rep += check_replies(path, errors, levels, kinds)
        elif path.parent.name == "sessions":
            n_ses += check_sessions(path, errors)
        elif path.parent.name == "evidence":
            n_ev += check_evidence(path, errors)
    print(f"replies: {n_rep}, sessions: {n_ses}, evidence labels: {n_ev}")
    for k, c in levels.items():
        print(f"  {k:15s}", " ".join(f"{lvl}:{c[lvl]}" for lvl in range(1, 6)))
    print("  kinds:", dict(sorted(kinds.items())))
    for e in errors[:50]:
        print("ERROR", e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
