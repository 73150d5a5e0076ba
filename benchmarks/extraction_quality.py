"""Benchmark newslake's extraction stage on labelled news pages, next to trafilatura's default.

Reads ../shared/corpus/extraction-dev (skipped, exit 0, when absent) and scores with the
corpus's own scorer (../shared/tools/extraction_eval.py: token 4-grams, per-page P and R
averaged over pages). Reports, for newslake's `extract_page` and for `trafilatura.extract`
with default settings measured in the same run:

- precision, recall and F1 on all pages and on two random halves (a rule that only helps
  one half is suspect);
- pages per second, each page's two extractions timed back to back, after a warm-up pass;
- metadata: title exact-match rate and published-date accuracy on the pages whose own
  markup states them (expected values read here from the page, independently of newslake).

    .venv/bin/python benchmarks/extraction_quality.py [--repeat N] [--seed S] [--pred-dir DIR]
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import random
import re
import sys
import time
import unicodedata
import warnings
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from types import ModuleType

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CORPUS = SHARED / "corpus" / "extraction-dev"
SCORER = SHARED / "tools" / "extraction_eval.py"
# Pages are old; a clock well after them keeps every stated date in the past.
FETCHED_AT = datetime(2026, 11, 1, tzinfo=UTC)

_WORD = re.compile(r"\w+")
_TITLE_SEPARATOR = re.compile(r"\s+(?:\||-|–|—|::|·|•|»)\s+")
_ISO_DATE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?)?)?(.*)$")
_OFFSET = re.compile(r"^\s*(Z|[+-]\d{2}:?\d{2})\s*$", re.IGNORECASE)
_DATE_META = ("article:published_time", "og:published_time", "datepublished")
_EARLIEST = date(1990, 1, 1)
_QUOTES = str.maketrans("‘’‚‛“”„‟", "''''\"\"\"\"")


@dataclass
class PageResult:
    """One page's extractions, their timings and its metadata checks."""

    page_id: str
    newslake_text: str
    newslake_seconds: float
    trafilatura_text: str
    trafilatura_seconds: float
    expected_title: str | None
    title: str | None
    expected_date: date | None
    published: date | None


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    args.repeat = max(1, args.repeat)
    if not (CORPUS / "ground-truth.json").exists() or not SCORER.exists():
        print(f"skipped: no labelled corpus at {CORPUS} (or no scorer at {SCORER})")
        return 0
    warnings.simplefilter("ignore")  # trafilatura's deprecation notes are not results
    scorer = _load_scorer(SCORER)
    truth = scorer.load_ground_truth(CORPUS / "ground-truth.json")
    urls = {k: v["url"] for k, v in json.loads((CORPUS / "ground-truth.json").read_text()).items()}
    pages = {page_id: _html(page_id) for page_id in sorted(truth)}
    results = run(pages, urls, args.repeat)
    halves = split_halves(sorted(pages), args.seed)
    print(report(results, truth, scorer, halves, seed=args.seed, repeat=args.repeat))
    if args.pred_dir:
        write_predictions(results, Path(args.pred_dir), args.repeat)
    return 0


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed passes over the pages (>= 1)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the random halves")
    parser.add_argument(
        "--pred-dir", help="write newslake.jsonl and trafilatura.jsonl for the corpus scorer"
    )
    return parser.parse_args(argv)


def _load_scorer(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("extraction_eval", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _html(page_id: str) -> bytes:
    return gzip.decompress((CORPUS / "html" / f"{page_id}.html.gz").read_bytes())


# --- running -----------------------------------------------------------------------------------


def run(pages: dict[str, bytes], urls: dict[str, str], repeat: int) -> list[PageResult]:
    """Both extractors on every page; seconds are per-page sums over `repeat` timed passes."""
    import trafilatura
    from lxml import html as lxml_html

    from newslake.transforms.errors import NewslakeError
    from newslake.transforms.extract import extract_page
    from newslake.transforms.records import Page, RunInfo

    run_info = RunInfo("benchmark", FETCHED_AT)
    inputs = {
        page_id: Page.create(
            source="bench", url=urls[page_id], body=body, run=run_info, content_type="text/html"
        )
        for page_id, body in pages.items()
    }
    texts = {page_id: body.decode("utf-8", errors="replace") for page_id, body in pages.items()}
    results = {}
    for rep in range(repeat + 1):  # pass 0 warms both up (imports, models, caches)
        for page_id, page in inputs.items():
            started = time.perf_counter()
            try:
                extracted = extract_page(page)
            except NewslakeError:
                extracted = None
            middle = time.perf_counter()
            baseline = trafilatura.extract(texts[page_id]) or ""
            ended = time.perf_counter()
            if rep == 0:
                tree = lxml_html.document_fromstring(texts[page_id])
                results[page_id] = PageResult(
                    page_id=page_id,
                    newslake_text=extracted.text if extracted else "",
                    newslake_seconds=0.0,
                    trafilatura_text=baseline,
                    trafilatura_seconds=0.0,
                    expected_title=stated_title(tree),
                    title=extracted.title if extracted else None,
                    expected_date=stated_date(tree),
                    published=extracted.published_at.date()
                    if extracted and extracted.published_at
                    else None,
                )
            else:
                results[page_id].newslake_seconds += middle - started
                results[page_id].trafilatura_seconds += ended - middle
    return list(results.values())


def split_halves(ids: list[str], seed: int) -> tuple[list[str], list[str]]:
    """Two random halves of the ids, the same for the same seed."""
    shuffled = ids[:]
    random.Random(seed).shuffle(shuffled)
    middle = len(shuffled) // 2
    return sorted(shuffled[:middle]), sorted(shuffled[middle:])


def write_predictions(results: list[PageResult], folder: Path, repeat: int) -> None:
    """JSONL predictions in the corpus scorer's format, one file per extractor (mean seconds)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("newslake", "trafilatura"):
        lines = (
            json.dumps(
                {
                    "id": r.page_id,
                    "text": getattr(r, f"{name}_text"),
                    "seconds": getattr(r, f"{name}_seconds") / repeat,
                },
                ensure_ascii=False,
            )
            for r in results
        )
        (folder / f"{name}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


# --- what the page states about itself -------------------------------------------------------


def stated_title(tree) -> str | None:
    """The page's visible headline (an <h1>) when its metadata names the same title.

    The metadata title (og:title, twitter:title, JSON-LD headline, <title>) may carry the
    site's name ('Headline | Site'), so its longest segment may confirm the <h1> too. Pages
    whose headings and metadata disagree state no single title and are left out.
    """
    declared = [
        *tree.xpath(
            "//meta[@property='og:title' or @name='og:title' or @name='twitter:title'"
            " or @property='twitter:title']/@content"
        ),
        *tree.xpath("//title/text()"),
        *_json_ld_values(tree, "headline"),
    ]
    shapes = {_shape(part) for text in declared for part in _title_parts(text)}
    shapes.discard("")
    for heading in tree.iter("h1"):
        text = " ".join(heading.text_content().split())
        if text and _shape(text) in shapes:
            return text
    return None


def stated_date(tree) -> date | None:
    """The publication date the page's markup states, as a UTC calendar date."""
    values = [*_json_ld_values(tree, "datePublished")]
    for node in tree.iter("meta"):
        key = (node.get("property") or node.get("name") or node.get("itemprop") or "").lower()
        if key in _DATE_META and node.get("content"):
            values.append(node.get("content"))
    values += tree.xpath("//*[@itemprop='datePublished']/@datetime")
    for value in values:
        found = _iso_date(value)
        if found and found >= _EARLIEST:  # '0001-01-01' is a template's blank, not a date
            return found
    return None


def _title_parts(text: str) -> list[str]:
    """The whole title and its longest separator-delimited segment."""
    text = " ".join(text.split())
    return [text, max(_TITLE_SEPARATOR.split(text), key=len)]


def _shape(text: str) -> str:
    """Casefolded words only, for comparing two spellings of one title."""
    return " ".join(_WORD.findall(unicodedata.normalize("NFKC", text).casefold()))


def _json_ld_values(tree, key: str) -> list[str]:
    found: list[str] = []
    for script in tree.xpath("//script[@type='application/ld+json']/text()"):
        try:
            _collect(json.loads(script), key, found)
        except ValueError:
            continue
    return found


def _collect(data: object, key: str, found: list[str]) -> None:
    if isinstance(data, list):
        for item in data:
            _collect(item, key, found)
    elif isinstance(data, dict):
        if isinstance(data.get(key), str):
            found.append(data[key])
        for value in data.values():
            if isinstance(value, (dict, list)):
                _collect(value, key, found)


def _iso_date(value: str) -> date | None:
    """The UTC date of an ISO 8601 date or timestamp; a timestamp without offset keeps its day."""
    match = _ISO_DATE.match(value)
    if not match:
        return None
    day, clock, rest = match.groups()
    try:
        if clock and _OFFSET.match(rest):
            offset = _OFFSET.match(rest).group(1).upper().replace("Z", "+00:00")
            return datetime.fromisoformat(f"{day}T{clock}{offset}").astimezone(UTC).date()
        return date.fromisoformat(day)
    except ValueError:
        return None


# --- report --------------------------------------------------------------------------------------


def report(
    results: list[PageResult],
    truth: dict[str, str],
    scorer: ModuleType,
    halves: tuple[list[str], list[str]],
    *,
    seed: int,
    repeat: int,
) -> str:
    """A markdown report: quality by subset, throughput, metadata."""
    by_id = {r.page_id: r for r in results}
    subsets = [("all", sorted(by_id)), (f"half A (seed {seed})", halves[0]), ("half B", halves[1])]
    lines = [
        f"extraction quality on {len(results)} pages of {CORPUS}",
        "",
        "| extractor | pages | P | R | F1 |",
        "|---|---|---|---|---|",
    ]
    for name in ("newslake", "trafilatura"):
        for label, ids in subsets:
            rows = [scorer.score_page(truth[i], getattr(by_id[i], f"{name}_text")) for i in ids]
            agg = scorer.aggregate(rows)
            lines.append(
                f"| {name} {label} | {len(ids)} | {agg['precision']:.4f} | {agg['recall']:.4f} "
                f"| {agg['f1']:.4f} |"
            )
    ours = sum(r.newslake_seconds for r in results)
    theirs = sum(r.trafilatura_seconds for r in results)
    timed = repeat * len(results)
    lines += [
        "",
        f"| throughput ({repeat} timed passes) | pages/s |",
        "|---|---|",
        f"| newslake extract_page | {timed / ours:.1f} |",
        f"| trafilatura.extract, default settings | {timed / theirs:.1f} |",
        f"| newslake time / trafilatura time | {ours / theirs:.2f} |",
        "",
        *_metadata_lines(results),
    ]
    return "\n".join(lines)


def _metadata_lines(results: list[PageResult]) -> list[str]:
    titled = [r for r in results if r.expected_title]
    dated = [r for r in results if r.expected_date]
    title_hits = sum(_same_title(r.title, r.expected_title) for r in titled)
    date_hits = sum(r.published == r.expected_date for r in dated)
    missing = sum(r.published is None for r in dated)
    return [
        "| metadata | pages stating it | newslake correct | rate |",
        "|---|---|---|---|",
        f"| title, exact match | {len(titled)} | {title_hits} | {_share(title_hits, titled)} |",
        f"| published date (UTC day) | {len(dated)} | {date_hits} | {_share(date_hits, dated)}"
        f" ({missing} without a date) |",
    ]


def _same_title(found: str | None, expected: str | None) -> bool:
    """Equal up to spacing, Unicode form and quote style (newslake stores straight quotes)."""

    def norm(text: str) -> str:
        return " ".join(unicodedata.normalize("NFKC", text).translate(_QUOTES).split())

    return bool(found and expected) and norm(found) == norm(expected)


def _share(hits: int, pages: list[PageResult]) -> str:
    return f"{hits / len(pages):.3f}" if pages else "-"


if __name__ == "__main__":
    sys.exit(main())
