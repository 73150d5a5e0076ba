"""Benchmark newslake's publication day on dates-dev, next to htmldate's full search.

Reads ../shared/corpus/dates-dev (../shared, or $NEWSLAKE_SHARED; skipped, exit 0, when absent) and
scores with the corpus's own scorer (../shared/tools/date_eval.py). Each page goes through the
code path `newslake run` takes on a local file without its URL: `extract_page` on a file Page,
then the day that would partition the article (`published_day`). htmldate's
`find_date(original_date=True)` (full search, extensive mode) runs on the same bytes in the same
run. Printed: both tools' scores, newslake's right/wrong/miss by `date_source` next to
htmldate's on the same pages (so each rule is measured against htmldate alone), both tools'
accuracy on two random halves of the pages (a rule that helps one half only is suspect), and
the pages newslake gets wrong.

    .venv/bin/python benchmarks/date_quality.py [--worst N] [--pred-dir DIR] [--seed S]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import subprocess
import sys
import tempfile
import warnings
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

SHARED = Path(os.environ.get("NEWSLAKE_SHARED", Path(__file__).resolve().parents[2] / "shared"))
CORPUS = SHARED / "corpus" / "dates-dev"
SCORER = SHARED / "tools" / "date_eval.py"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worst", type=int, default=0, help="list N pages newslake gets wrong")
    parser.add_argument("--pred-dir", help="keep both tools' prediction files here")
    parser.add_argument("--seed", type=int, default=1, help="seed of the two random halves")
    args = parser.parse_args(argv)
    if not (CORPUS / "expected.json").exists() or not SCORER.exists():
        print(f"skipped: no dates corpus at {CORPUS} (or no scorer at {SCORER})")
        return 0
    warnings.simplefilter("ignore")
    expected = {k: v["date"] for k, v in json.loads((CORPUS / "expected.json").read_text()).items()}
    ours, sources, theirs = run(sorted(expected))
    out = Path(args.pred_dir) if args.pred_dir else Path(tempfile.mkdtemp(prefix="date-bench-"))
    out.mkdir(parents=True, exist_ok=True)
    for name, predictions in (("newslake", ours), ("htmldate", theirs)):
        path = out / f"{name}.json"
        path.write_text(json.dumps(predictions, indent=1))
        print(f"== {name}")
        print(_score(path), end="")
    print(halves(expected, ours, theirs, args.seed))
    print(by_source(expected, ours, sources, theirs))
    wrong = [n for n in sorted(expected) if ours[n] and ours[n] != expected[n]]
    for name in wrong[: args.worst]:
        print(
            f"  {name}: expected {expected[name]}, newslake {ours[name]} ({sources[name]}), "
            f"htmldate {theirs[name]}"
        )
    return 0


def run(names: list[str]) -> tuple[dict, dict, dict]:
    """newslake's day and its date_source, and htmldate's day, for every page."""
    from htmldate import find_date

    from newslake.transforms.errors import NewslakeError
    from newslake.transforms.extract import extract_page
    from newslake.transforms.records import Page, RunInfo

    run_info = RunInfo("benchmark", datetime.now(UTC))
    ours, sources, theirs = {}, {}, {}
    for name in names:
        body = gzip.decompress((CORPUS / "html" / name).read_bytes())
        stem = name.removesuffix(".gz")
        page = Page.create(
            source="files:bench",
            url=f"file:///bench/{stem}",
            body=body,
            run=run_info,
            content_type="text/html",
        )
        try:
            extracted = extract_page(page)
        except NewslakeError:
            extracted = None
        day = extracted.published_day if extracted else None
        ours[name] = day.isoformat() if day else None
        sources[name] = extracted.date_source if extracted else "no article"
        try:
            theirs[name] = find_date(body, original_date=True)
        except Exception:  # a tool failing on a page scores as no date
            theirs[name] = None
    return ours, sources, theirs


def halves(expected: dict, ours: dict, theirs: dict, seed: int) -> str:
    """Both tools' accuracy and coverage on two random halves of the pages (the same for the
    same seed), with newslake's margin over htmldate."""
    names = sorted(expected)
    random.Random(seed).shuffle(names)
    lines = [f"== halves (seed {seed}): accuracy / coverage, newslake minus htmldate"]
    for label, part in (("A", names[: len(names) // 2]), ("B", names[len(names) // 2 :])):
        score = {}
        for tool, predicted in (("newslake", ours), ("htmldate", theirs)):
            right = sum(_verdict(expected[n], predicted[n]) == "right" for n in part)
            dated = sum(bool(predicted[n]) for n in part)
            score[tool] = (right / len(part), dated / len(part))
        lines.append(
            f"half {label} ({len(part)} pages): newslake {score['newslake'][0]:.4f} / "
            f"{score['newslake'][1]:.4f}, htmldate {score['htmldate'][0]:.4f} / "
            f"{score['htmldate'][1]:.4f}, margin {score['newslake'][0] - score['htmldate'][0]:+.4f}"
        )
    return "\n".join(lines)


def by_source(expected: dict, ours: dict, sources: dict, theirs: dict) -> str:
    """newslake's right/wrong/miss per date_source, with htmldate's on the same pages, and on
    the pages where the two give different days, which of them is right."""
    counts: dict[str, Counter] = {}
    for name, ref in expected.items():
        c = counts.setdefault(str(sources[name]), Counter())
        c["pages"] += 1
        c[_verdict(ref, ours[name])] += 1
        c["htmldate_" + _verdict(ref, theirs[name])] += 1
        if ours[name] and theirs[name] and ours[name] != theirs[name]:
            c["conflicts"] += 1
            c["conflicts_ours"] += ours[name] == ref
            c["conflicts_theirs"] += theirs[name] == ref
    lines = ["== newslake by date_source (htmldate on the same pages)"]
    lines.append(
        f"{'date_source':<16}{'pages':>6}{'right':>7}{'wrong':>7}{'miss':>6}"
        f"{'| htmldate right':>17}{'wrong':>7}{'miss':>6}"
        f"{'| differ':>9}{'ours right':>11}{'htmldate right':>15}"
    )
    for source, c in sorted(counts.items(), key=lambda kv: -kv[1]["pages"]):
        lines.append(
            f"{source:<16}{c['pages']:>6}{c['right']:>7}{c['wrong']:>7}{c['miss']:>6}"
            f"{c['htmldate_right']:>17}{c['htmldate_wrong']:>7}{c['htmldate_miss']:>6}"
            f"{c['conflicts']:>9}{c['conflicts_ours']:>11}{c['conflicts_theirs']:>15}"
        )
    return "\n".join(lines)


def _verdict(ref: str | None, got: str | None) -> str:
    if (got or None) == ref:
        return "right"
    return "miss" if got is None else "wrong"


def _score(predictions: Path) -> str:
    done = subprocess.run(
        [sys.executable, str(SCORER), str(CORPUS), str(predictions)],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


if __name__ == "__main__":
    sys.exit(main())
