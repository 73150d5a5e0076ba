"""Benchmark newslake's extraction on two labelled corpora, next to trafilatura in the same run.

Corpora (each skipped, with a message, when absent; exit 0 when both are):

- ../shared/corpus/extraction-dev: news pages with gold article bodies, scored with the
  corpus's scorer (../shared/tools/extraction_eval.py: token 4-grams, per-page P and R
  averaged over pages);
- ../shared/corpus/extraction-snippets-dev: pages of many kinds and languages with snippets
  the text must and must not contain, scored with ../shared/tools/snippet_eval.py (exact
  substring match after collapsing whitespace).

newslake runs as `newslake run` runs on files: `extract_page` on a `.html` page whose URL is
its file:// path (no web address). trafilatura runs on the page's bytes (it decodes
them itself), with default settings and with favor_precision=True. Reported: quality on all
pages and on two random halves (a rule that helps one half only is suspect), the pages where
trafilatura default finds text and newslake stores none (with newslake's reason), time per
page of newslake and of trafilatura default (each page's extractions timed back to back after
a warm-up), and title and date checks on extraction-dev.

    .venv/bin/python benchmarks/extraction_quality.py [--limit N] [--repeat N] [--seed S]
        [--corpus dev|snippets] [--pred-dir DIR] [--worst N]
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import os
import random
import re
import sys
import time
import unicodedata
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from types import ModuleType

# ../shared from the repository root; NEWSLAKE_SHARED names it elsewhere (a git worktree).
SHARED = Path(
    os.environ.get("NEWSLAKE_SHARED") or Path(__file__).resolve().parents[1].parent / "shared"
)
DEV = SHARED / "corpus" / "extraction-dev"
SNIPPETS = SHARED / "corpus" / "extraction-snippets-dev"
DEV_SCORER = SHARED / "tools" / "extraction_eval.py"
SNIPPET_SCORER = SHARED / "tools" / "snippet_eval.py"
# Pages are old; a clock well after them keeps every stated date in the past.
FETCHED_AT = datetime(2026, 11, 1, tzinfo=UTC)
EXTRACTORS = ("newslake", "trafilatura default", "trafilatura favor_precision")

_WORD = re.compile(r"\w+")
_TITLE_SEPARATOR = re.compile(r"\s+(?:\||-|–|—|::|·|•|»)\s+")
_ISO_DATE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?)?)?(.*)$")
_OFFSET = re.compile(r"^\s*(Z|[+-]\d{2}:?\d{2})\s*$", re.IGNORECASE)
_DATE_META = ("article:published_time", "og:published_time", "datepublished")
_EARLIEST = date(1990, 1, 1)
_QUOTES = str.maketrans("‘’‚‛“”„‟", "''''\"\"\"\"")


@dataclass
class PageResult:
    """One page's three extractions, two timings, newslake's refusal and metadata checks."""

    page_id: str
    texts: dict[str, str | None] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    refusal: str | None = None
    declared: str = ""
    expected_title: str | None = None
    title: str | None = None
    expected_date: date | None = None
    published: date | None = None


@dataclass
class Corpus:
    """A labelled corpus: its pages (id -> gzip file) and how to score one page's text."""

    name: str
    folder: Path
    files: dict[str, Path]
    score: Callable[[list[tuple[str, str | None]]], dict[str, float]]
    metric: str


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    warnings.simplefilter("ignore")  # trafilatura's deprecation notes are not results
    corpora = [c for c in _corpora(args.corpus) if c is not None]
    if not corpora:
        print(f"skipped: no labelled corpus (or scorer) under {SHARED}")
        return 0
    for corpus in corpora:
        ids = sorted(corpus.files)
        if args.limit:
            ids = sorted(random.Random(args.seed).sample(ids, min(args.limit, len(ids))))
        results = run(corpus, ids, max(1, args.repeat))
        print(report(corpus, results, split_halves(ids, args.seed), args))
        if args.pred_dir:
            write_predictions(corpus, results, Path(args.pred_dir))
    return 0


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="a random sample of N pages each")
    parser.add_argument("--repeat", type=int, default=1, help="timed passes over the pages")
    parser.add_argument("--seed", type=int, default=1, help="seed of the sample and the halves")
    parser.add_argument("--corpus", choices=("dev", "snippets"), help="only this corpus")
    parser.add_argument("--worst", type=int, default=0, help="list newslake's N worst pages")
    parser.add_argument("--pred-dir", help="write each extractor's predictions here")
    return parser.parse_args(argv)


def _corpora(only: str | None) -> list[Corpus | None]:
    found = []
    if only in (None, "dev"):
        found.append(_dev_corpus())
    if only in (None, "snippets"):
        found.append(_snippet_corpus())
    return found


def _dev_corpus() -> Corpus | None:
    if not (DEV / "ground-truth.json").exists() or not DEV_SCORER.exists():
        print(f"skipped: no corpus at {DEV} (or no scorer at {DEV_SCORER})")
        return None
    scorer = _load(DEV_SCORER)
    truth = scorer.load_ground_truth(DEV / "ground-truth.json")

    def score(pairs: list[tuple[str, str | None]]) -> dict[str, float]:
        rows = [scorer.score_page(truth[i], text or "") for i, text in pairs]
        agg = scorer.aggregate(rows)
        return {"P": agg["precision"], "R": agg["recall"], "F1": agg["f1"]}

    files = {i: DEV / "html" / f"{i}.html.gz" for i in truth}
    return Corpus("extraction-dev", DEV, files, score, "F1")


def _snippet_corpus() -> Corpus | None:
    if not (SNIPPETS / "expected.json").exists() or not SNIPPET_SCORER.exists():
        print(f"skipped: no corpus at {SNIPPETS} (or no scorer at {SNIPPET_SCORER})")
        return None
    scorer = _load(SNIPPET_SCORER)
    expected = json.loads((SNIPPETS / "expected.json").read_text())

    def score(pairs: list[tuple[str, str | None]]) -> dict[str, float]:
        totals = [0, 0, 0, 0]
        for name, text in pairs:
            totals = [
                a + b for a, b in zip(totals, scorer.count(expected[name], text), strict=True)
            ]
        s = scorer.scores(*totals)
        return {"P": s["precision"], "R": s["recall"], "acc": s["accuracy"], "F": s["f"]}

    files = {name: SNIPPETS / "html" / name for name in expected}
    return Corpus("extraction-snippets-dev", SNIPPETS, files, score, "F")


def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- running -----------------------------------------------------------------------------------


def run(corpus: Corpus, ids: list[str], repeat: int) -> list[PageResult]:
    """The three extractors on every page; newslake and trafilatura default are timed."""
    import trafilatura
    from lxml import html as lxml_html

    from newslake.transforms.errors import NewslakeError
    from newslake.transforms.extract import extract_page
    from newslake.transforms.records import Page, RunInfo

    run_info = RunInfo("benchmark", FETCHED_AT)
    results = []
    for page_id in ids:
        body = gzip.decompress(corpus.files[page_id].read_bytes())
        # As `newslake run` reads a file: its file:// path is its URL, its suffix its type.
        path = corpus.files[page_id].with_suffix("").with_suffix(".html")
        page = Page.create(
            source="bench", url=path.as_uri(), body=body, run=run_info, content_type="text/html"
        )
        result = PageResult(page_id, seconds=dict.fromkeys(EXTRACTORS[:2], 0.0))
        for rep in range(repeat + 1):  # pass 0 warms both up and keeps the outputs
            started = time.perf_counter()
            try:
                extracted, refusal = extract_page(page), None
            except NewslakeError as exc:
                extracted, refusal = None, str(exc)
            middle = time.perf_counter()
            baseline = trafilatura.extract(body)
            ended = time.perf_counter()
            if rep:
                result.seconds["newslake"] += middle - started
                result.seconds["trafilatura default"] += ended - middle
                continue
            result.texts["newslake"] = extracted.text if extracted else None
            result.refusal = refusal
            result.texts["trafilatura default"] = baseline
            result.texts["trafilatura favor_precision"] = trafilatura.extract(
                body, favor_precision=True
            )
            if extracted:
                result.title = extracted.title
                result.published = extracted.published_at and extracted.published_at.date()
            tree = lxml_html.document_fromstring(body)
            result.expected_title, result.expected_date = stated_title(tree), stated_date(tree)
            result.declared = declared_kind(tree)
        results.append(result)
    return results


def split_halves(ids: list[str], seed: int) -> tuple[list[str], list[str]]:
    """Two random halves of the ids, the same for the same seed."""
    shuffled = ids[:]
    random.Random(seed).shuffle(shuffled)
    middle = len(shuffled) // 2
    return sorted(shuffled[:middle]), sorted(shuffled[middle:])


def write_predictions(corpus: Corpus, results: list[PageResult], folder: Path) -> None:
    """Each extractor's texts as `{page: text or null}` JSON, the snippet scorer's format."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in EXTRACTORS:
        texts = {r.page_id: r.texts[name] for r in results}
        target = folder / f"{corpus.name}.{name.replace(' ', '-')}.json"
        target.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")


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


def declared_kind(tree) -> str:
    """What the page says it is: its og:type and JSON-LD @types ('nothing' when silent)."""
    kinds = [f"og:type {t.strip()}" for t in tree.xpath("//meta[@property='og:type']/@content")]
    types = _json_ld_values(tree, "@type")
    if types:
        kinds.append("JSON-LD " + ", ".join(dict.fromkeys(types)))
    return "; ".join(kinds) or "nothing"


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
    corpus: Corpus,
    results: list[PageResult],
    halves: tuple[list[str], list[str]],
    args: argparse.Namespace,
) -> str:
    """A markdown report for one corpus: quality by subset, pages lost, time, metadata."""
    by_id = {r.page_id: r for r in results}
    subsets = [("all", sorted(by_id)), (f"half A (seed {args.seed})", halves[0]), ("B", halves[1])]
    keys = list(corpus.score([]))
    lines = [
        f"## {corpus.name}: {len(results)} pages",
        "",
        f"| extractor | pages | {' | '.join(keys)} |",
        "|---|---|" + "---|" * len(keys),
    ]
    for name in EXTRACTORS:
        for label, ids in subsets:
            figures = corpus.score([(i, by_id[i].texts[name]) for i in ids])
            lines.append(
                f"| {name} {label} | {len(ids)} | "
                + " | ".join(f"{figures[k]:.4f}" for k in keys)
                + " |"
            )
    lost = [r for r in results if r.texts["newslake"] is None and r.texts["trafilatura default"]]
    lines += ["", f"newslake stores no article where trafilatura default has text: {len(lost)}"]
    lines += [
        f"- {r.page_id}: {r.refusal} (the page declares: {r.declared}; trafilatura default:"
        f" {len((r.texts['trafilatura default'] or '').split())} words)"
        for r in lost
    ]
    if args.worst:
        lines += ["", f"newslake's {args.worst} worst pages against trafilatura default:"]
        lines += _worst(corpus, results, args.worst)
    ours = sum(r.seconds["newslake"] for r in results)
    theirs = sum(r.seconds["trafilatura default"] for r in results)
    timed = args.repeat * len(results)
    lines += [
        "",
        f"| time ({args.repeat} timed passes) | pages/s |",
        "|---|---|",
        f"| newslake extract_page | {timed / ours:.1f} |",
        f"| trafilatura.extract, default settings | {timed / theirs:.1f} |",
        f"| newslake time / trafilatura time | {ours / theirs:.2f} |",
    ]
    if corpus.name == "extraction-dev":
        lines += ["", *_metadata_lines(results)]
    return "\n".join(lines) + "\n"


def _worst(corpus: Corpus, results: list[PageResult], n: int) -> list[str]:
    """Pages where newslake's score trails trafilatura default's most."""
    gaps = []
    for r in results:
        ours = corpus.score([(r.page_id, r.texts["newslake"])])[corpus.metric]
        theirs = corpus.score([(r.page_id, r.texts["trafilatura default"])])[corpus.metric]
        gaps.append((ours - theirs, r.page_id, ours, theirs))
    return [
        f"- {page_id}: newslake {ours:.2f}, trafilatura {theirs:.2f}"
        for gap, page_id, ours, theirs in sorted(gaps)[:n]
        if gap < 0
    ]


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
    """Equal up to spacing, Unicode form and quote style."""

    def norm(text: str) -> str:
        return " ".join(unicodedata.normalize("NFKC", text).translate(_QUOTES).split())

    return bool(found and expected) and norm(found) == norm(expected)


def _share(hits: int, pages: list[PageResult]) -> str:
    return f"{hits / len(pages):.3f}" if pages else "-"


if __name__ == "__main__":
    sys.exit(main())
