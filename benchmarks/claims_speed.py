"""Claim throughput: extraction (sentences, rules, figures, attribution) and grouping, at 10k
and 100k claims, and how time grows with the number of claims.

    python benchmarks/claims_speed.py            # 10k and 100k claims
    python benchmarks/claims_speed.py --quick    # 2k and 10k
    python benchmarks/claims_speed.py --told 13  # each sentence told about 13 times at every size
    python benchmarks/claims_speed.py --sizes 10000,30000,100000

Claims are news sentences from ../shared/corpus/mrpc-train (read by path; skips cleanly when
absent) with their names and figures varied, so blocking keys collide as in a real corpus:
the same story told with other numbers, other people, other places. Grouping runs in memory
(the lake's key index is a DuckDB table with the same lookups).

By default each size starts with every distinct MRPC sentence (about 7,800), so the larger set
repeats each sentence more often: its clusters are bigger, and a claim that joins one is scored
against more of its members. `--told K` takes n / K sentences at every size instead, so the
sizes differ only in how many claims there are.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import resource
import sys
import time
from pathlib import Path

from newslake.transforms.claims.clusters import ClaimIndex, match_keys
from newslake.transforms.claims.finding import find_claims
from newslake.transforms.claims.pairs import pair_model, prepare

ROOT = Path(__file__).resolve().parents[1]
# ../shared beside the repository, or where NEWSLAKE_SHARED says (a worktree elsewhere).
SHARED = Path(os.environ.get("NEWSLAKE_SHARED") or ROOT.parent / "shared")
MRPC = SHARED / "corpus" / "mrpc-train" / "msr_paraphrase_train.txt"
_NAME = re.compile(r"\b[A-Z][a-z]{3,}\b")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
BATCH = 2_000  # claims grouped per batch, as a run's stage task would
NAMES = [
    "Halvorsen", "Okafor", "Brightwater", "Castellan", "Ivanova", "Marchetti", "Nakamura",
    "Quintero", "Abernathy", "Lindqvist", "Oyelaran", "Vasquez", "Kowalczyk", "Delacroix",
]  # fmt: skip


def sentences() -> list[str]:
    """Distinct MRPC sentences."""
    lines = MRPC.read_text(encoding="utf-8-sig").splitlines()[1:]
    return sorted({s for line in lines for s in line.split("\t")[3:5]})


def variants(base: list[str], n: int, seed: int = 11) -> list[str]:
    """n sentences: the base ones, then copies with names and figures changed."""
    rng = random.Random(seed)
    out = list(base[:n])
    while len(out) < n:
        s = rng.choice(base)
        s = _NAME.sub(lambda m: rng.choice(NAMES) if rng.random() < 0.3 else m.group(), s)
        s = _NUMBER.sub(lambda m: str(rng.randint(2, 990)), s)
        out.append(s)
    return out


def time_extraction(texts: list[str]) -> tuple[float, int]:
    """Seconds to find the claims of articles made of 20 sentences each, and claims found."""
    articles = [" ".join(texts[i : i + 20]) for i in range(0, len(texts), 20)]
    started = time.perf_counter()
    found = sum(len(find_claims(article, 2026)) for article in articles)
    return time.perf_counter() - started, found


def time_grouping(texts: list[str]) -> tuple[float, float, int]:
    """Seconds (wall clock, then this process's CPU) to group the claims batch by batch, and
    the clusters made. On a shared machine the wall clock follows the other load; CPU time
    follows the work."""
    claims = ClaimIndex(pair_model(True))
    clusters: set[str] = set()
    started, cpu = time.perf_counter(), time.process_time()
    for first in range(0, len(texts), BATCH):
        batch = texts[first : first + BATCH]
        for i, prepared in enumerate(prepare(batch), start=first):
            keys = match_keys(texts[i].lower(), prepared)
            clusters.add(claims.place("bench", i, prepared, keys))
    return time.perf_counter() - started, time.process_time() - cpu, len(clusters)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="2k and 10k claims")
    parser.add_argument("--told", type=int, help="each sentence told about this many times")
    parser.add_argument("--sizes", help="claim counts, comma-separated (e.g. 10000,30000,100000)")
    args = parser.parse_args()
    if not MRPC.exists():
        print(f"skipped: {MRPC} not found")
        return 0
    base = sentences()
    sizes = (2_000, 10_000) if args.quick else (10_000, 100_000)
    if args.sizes:
        sizes = tuple(int(size) for size in args.sizes.split(","))
    seconds = {}
    for n in sizes:
        texts = variants(base[: n // args.told] if args.told else base, n)
        extract_s, found = time_extraction(texts)
        group_s, cpu_s, clusters = time_grouping(texts)
        seconds[n] = cpu_s
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"{n:>7,} sentences: extraction {n / extract_s:,.0f} sentences/s ({found:,} claims); "
            f"grouping {n / group_s:,.0f} claims/s, {n / cpu_s:,.0f} per CPU second "
            f"({clusters:,} clusters); peak RSS {rss:,.0f} MB"
        )
    small = sizes[0]
    for large in sizes[1:]:
        ratio = (large / seconds[large]) / (small / seconds[small])
        print(f"claims per CPU second at {large:,} / at {small:,}: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
