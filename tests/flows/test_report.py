"""`newslake report` end to end: the sample corpus ingested once, the report written by the
real console script, then drawn by headless Chromium."""

import os
import re
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import duckdb
import lxml.html
import pytest
from lake_rows import RUN1, article, commit

from newslake.warehouse.lake import Lake
from newslake.warehouse.views import WAREHOUSE

NEWSLAKE = str(Path(sys.executable).with_name("newslake"))
TOP_CLAIMS = 15  # warehouse.report.data.TOP_CLAIMS, the claims the report shows


def newslake(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "PREFECT_HOME": str(cwd / ".prefect")}
    env.pop("PREFECT_API_URL", None)  # `run` starts its own ephemeral API
    return subprocess.run(
        [NEWSLAKE, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout
    )


def assert_one_line_error(result: subprocess.CompletedProcess, text: str) -> None:
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("error: ")
    assert text in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def lake_rows(lake: Path, sql: str, *params) -> list[tuple]:
    con = duckdb.connect(str(lake / WAREHOUSE), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def one(lake: Path, sql: str, *params):
    return lake_rows(lake, sql, *params)[0][0]


def header_total(page: str, label: str) -> int:
    return int(re.search(rf"<li><b>([\d,]+)</b> {label}</li>", page).group(1).replace(",", ""))


@pytest.fixture(scope="module")
def home(tmp_path_factory, sample_dir) -> Path:
    """A directory holding `lake`, the sample corpus ingested with the demo's topics."""
    home = tmp_path_factory.mktemp("report")
    result = newslake(
        "run",
        "--source",
        str(sample_dir),
        "--config",
        str(sample_dir.parent / "demo.toml"),
        "--lake",
        "lake",
        "--no-progress",
        cwd=home,
    )
    assert result.returncode == 0, result.stderr
    return home


@pytest.fixture(scope="module")
def report(home) -> Path:
    """The report over the whole lake."""
    result = newslake("report", "--lake", "lake", "--out", "report.html", cwd=home)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "wrote report.html"
    return home / "report.html"


def test_report_is_one_file_that_loads_nothing_from_the_network(report):
    page = report.read_text()
    assert not re.search(r"<script[^>]*\ssrc=", page)
    assert not re.search(r"""src=["']?https?:""", page)
    assert not re.search(r"""href=["']?https?:""", page)
    assert "<link" not in page and "@import" not in page
    assert "window.vegaEmbed=" in page  # the charting library itself is inlined
    assert not list(report.parent.glob(".report.html*"))  # no temporary file left behind


def test_totals_match_the_lake(home, report):
    page = report.read_text()
    lake = home / "lake"
    assert header_total(page, "articles") == one(lake, "SELECT count(*) FROM articles")
    assert header_total(page, "stories") == one(
        lake, "SELECT count(DISTINCT story_id) FROM articles"
    )
    outlets = one(lake, "SELECT count(DISTINCT coalesce(outlet, '(unknown)')) FROM articles")
    assert header_total(page, "outlets") == outlets
    claims = one(lake, "SELECT count(*) FROM recurring_claims")
    assert header_total(page, "recurring claims shown") == min(claims, TOP_CLAIMS)
    first_claim = lake_rows(lake, "SELECT representative FROM recurring_claims LIMIT 1")[0][0]
    assert first_claim.replace('"', "&quot;").replace("'", "&#x27;") in page


def test_topic_and_since_narrow_every_number(home, report):
    lake = home / "lake"
    everything = header_total(report.read_text(), "articles")
    topic = newslake(
        "report", "-l", "lake", "--topic", "port-strike", "--out", "strike.html", cwd=home
    )
    assert topic.returncode == 0, topic.stderr
    strike = (home / "strike.html").read_text()
    expected = one(lake, "SELECT count(*) FROM articles WHERE list_contains(topics, 'port-strike')")
    assert header_total(strike, "articles") == expected < everything
    assert "topic port-strike" in strike
    assert "ai-models" not in strike.split("</main>", 1)[0]  # no other topic's bars or tables

    since = newslake("report", "-l", "lake", "--since", "2026-03-10", "-o", "late.html", cwd=home)
    assert since.returncode == 0, since.stderr
    late = (home / "late.html").read_text()
    expected = one(lake, "SELECT count(*) FROM articles WHERE published_date >= DATE '2026-03-10'")
    assert header_total(late, "articles") == expected < everything
    assert "published on or after 2026-03-10" in late
    # Claims are counted over the report's articles only, so their support can only shrink.
    assert header_total(late, "recurring claims shown") < header_total(
        report.read_text(), "recurring claims shown"
    )


def test_bad_since_is_a_one_line_error(home):
    assert_one_line_error(
        newslake("report", "--lake", "lake", "--since", "last tuesday", cwd=home), "--since"
    )


def test_nothing_in_scope_is_a_one_line_error(home):
    assert_one_line_error(
        newslake("report", "--lake", "lake", "--topic", "weather", cwd=home),
        "no articles of topic 'weather'",
    )
    assert_one_line_error(
        newslake("report", "--lake", "lake", "--since", "2030-01-01", cwd=home),
        "latest: 2026-03-12",  # the outlet's day: 2026-03-13 in UTC
    )


def test_no_lake_is_a_one_line_error(tmp_path):
    assert_one_line_error(newslake("report", "--lake", "nowhere", cwd=tmp_path), "no lake at")
    assert not (tmp_path / "report.html").exists()


def test_an_empty_lake_is_a_one_line_error(tmp_path):
    """A lake whose only run read nothing but a broken file: a log row, no articles."""
    failed = {
        "url": "file:///broken.html",
        "source": "files:t",
        "outcome": "empty",
        "status": None,
        "error": "no bytes",
        "attempts": 1,
        "elapsed_ms": 1,
        "page_id": None,
        "article_id": None,
        "run_id": RUN1.run_id,
        "logged_at": RUN1.started_at,
    }
    with Lake(tmp_path / "lake").writing(RUN1, timeout_s=5) as staged:
        staged.add("fetch_log", [failed])
        staged.publish()
    assert (tmp_path / "lake" / WAREHOUSE).exists()
    assert_one_line_error(newslake("report", "--lake", "lake", cwd=tmp_path), "no articles yet")


def test_a_lake_without_claims_or_topics_still_reports(tmp_path):
    commit(Lake(tmp_path / "lake"), RUN1, [article("a", 5), article("b", 7), article("c", None)])
    result = newslake("report", "-l", "lake", "--topic", "(none)", "-o", "r.html", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "r.html").read_text()
    assert header_total(page, "articles") == 3
    assert "2026-03-05 to 2026-03-07 (and 1 undated)" in page
    claims = page.split("<h2>Recurring claims</h2>", 1)[1].split("</section>", 1)[0]
    assert "no data" in claims.lower() and 'class="chart"' not in claims
    assert 'id="chart-topics-per-day"' in page


def test_report_does_not_import_prefect(home):
    code = (
        "import sys\n"
        "from newslake.flows.cli import app\n"
        "app(['report', '--lake', 'lake', '--out', 'quick.html'], standalone_mode=False)\n"
        "print('prefect' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=home, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "False"


# ---- drawn by a real browser ------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium() -> str:
    """The Chromium binary; CI must have it (its .ci/run installs it)."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    if os.environ.get("CI"):
        pytest.fail("chromium is not installed: .ci/run installs it with apt-get")
    pytest.skip("chromium is not on PATH: install it (apt-get install chromium) to draw the report")


def headless(chromium: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--virtual-time-budget=15000",
            f"--user-data-dir={cwd / '.chromium'}",
            *args,
        ],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=180,
    )


def marks(chart: lxml.html.HtmlElement, kind: str) -> int:
    """Marks of one kind Vega drew in a chart: the children of its `mark-<kind>` groups
    (legends and axes have other roles)."""
    groups = chart.xpath(
        f".//*[local-name()='g'][contains(concat(' ', @class, ' '), ' mark-{kind} ')]"
        "[contains(concat(' ', @class, ' '), ' role-mark ')]"
    )
    return sum(len(group) for group in groups)


def test_every_chart_draws_its_marks_in_chromium(home, report, chromium):
    result = headless(chromium, "--dump-dom", report.as_uri(), cwd=home)
    assert result.returncode == 0, result.stderr[-2000:]
    dom = lxml.html.fromstring(result.stdout)
    charts = {box.get("id").removeprefix("chart-"): box for box in dom.find_class("chart")}
    assert len(charts) == 6
    for name, box in charts.items():
        assert "failed" not in box.get("class"), f"{name}: {box.text_content()}"
        assert box.xpath(".//*[local-name()='svg']"), name

    lake = home / "lake"
    dated = "FROM articles WHERE published_date IS NOT NULL"
    topic_days = one(
        lake,
        "SELECT count(*) FROM (SELECT DISTINCT published_date, unnest(CASE WHEN len(topics) = 0 "
        f"THEN ['(none)'] ELSE topics END) {dated})",
    )
    days = one(
        lake, f"SELECT date_diff('day', min(published_date), max(published_date)) + 1 {dated}"
    )
    outlet_days = one(
        lake, f"SELECT count(*) FROM (SELECT DISTINCT published_date, outlet {dated})"
    )
    outlets = one(lake, "SELECT count(DISTINCT coalesce(outlet, '(unknown)')) FROM articles")
    top = [
        row[0]
        for row in lake_rows(lake, f"SELECT claim_id FROM recurring_claims LIMIT {TOP_CLAIMS}")
    ]
    spans = one(
        lake,
        "SELECT count(*) FROM recurring_claims WHERE list_contains(?, claim_id) "
        "AND first_seen IS NOT NULL",
        top,
    )
    claim_days = one(
        lake,
        "SELECT count(*) FROM (SELECT DISTINCT claim_id, published_date FROM claims "
        "WHERE list_contains(?, claim_id) AND published_date IS NOT NULL)",
        top,
    )
    figures = one(
        lake,
        "SELECT coalesce(sum(len(figures)), 0) FROM claim_figures WHERE list_contains(?, claim_id)",
        top,
    )
    assert min(topic_days, days, outlet_days, outlets, spans, claim_days, figures) > 0

    assert marks(charts["topics-per-day"], "rect") == topic_days
    assert marks(charts["volume-per-day"], "line") == 2  # articles and stories
    assert marks(charts["volume-per-day"], "symbol") == 2 * days  # every calendar day
    assert marks(charts["outlets-per-day"], "rect") == outlet_days
    assert marks(charts["share-of-voice"], "rect") == 2 * outlets
    assert marks(charts["claim-timeline"], "rule") == spans
    assert marks(charts["claim-timeline"], "symbol") == claim_days
    assert marks(charts["figure-spread"], "symbol") == figures


def test_the_report_renders_to_a_picture_with_colour(home, report, chromium):
    shot = home / "report.png"
    result = headless(
        chromium, f"--screenshot={shot}", "--window-size=1280,4000", report.as_uri(), cwd=home
    )
    assert result.returncode == 0, result.stderr[-2000:]
    width, height, pixels = read_png(shot.read_bytes())
    assert (width, height) == (1280, 4000)
    white = sum(1 for p in pixels if p == (255, 255, 255))
    # Charts, not only text: a good share of the page is strongly coloured (bars, dots, cells).
    coloured = sum(1 for r, g, b in pixels if max(r, g, b) - min(r, g, b) > 60)
    assert white < len(pixels)
    assert coloured > 0.02 * len(pixels)


def read_png(data: bytes) -> tuple[int, int, list[tuple[int, int, int]]]:
    """Width, height and RGB pixels of an 8-bit RGB or RGBA, non-interlaced PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    offset, chunks, header = 8, [], b""
    while offset < len(data):
        (size,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + size]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            chunks.append(body)
        offset += 12 + size
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour in (2, 6) and interlace == 0
    step = 3 if colour == 2 else 4
    raw = zlib.decompress(b"".join(chunks))
    stride = width * step
    previous = bytearray(stride)
    pixels: list[tuple[int, int, int]] = []
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        unfilter(kind, line, previous, step)
        pixels += zip(line[0::step], line[1::step], line[2::step], strict=True)
        previous = line
    return width, height, pixels


def unfilter(kind: int, line: bytearray, previous: bytearray, step: int) -> None:
    """Undo one PNG scanline filter in place (None, Sub, Up, Average, Paeth)."""
    if kind == 0:
        return
    if kind == 2:
        line[:] = bytes((a + b) & 0xFF for a, b in zip(line, previous, strict=True))
        return
    for i in range(len(line)):
        left = line[i - step] if i >= step else 0
        if kind == 1:
            line[i] = (line[i] + left) & 0xFF
        elif kind == 3:
            line[i] = (line[i] + (left + previous[i]) // 2) & 0xFF
        else:
            up, corner = previous[i], previous[i - step] if i >= step else 0
            p = left + up - corner
            pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
            best = left if pa <= pb and pa <= pc else up if pb <= pc else corner
            line[i] = (line[i] + best) & 0xFF
