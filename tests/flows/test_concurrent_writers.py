"""Two runs on one lake at once: each stages (fetch, extract, placement) without the lake's
writer lock, and they take turns only to commit. Each run is a child process; both are held at
the end of their unlocked phase (the `before-section` failpoint's pause) until both got there,
so their staging overlaps for certain. Then one commits and the other, finding a newer commit
point, places its batches again before committing. The lake must equal a serial run of the
two in that commit order, row for row: same pages, articles, story and claim cluster ids.
The same holds on an S3 lake (moto's server), each run with a mirror of its own as on two
machines."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from deltalake import DeltaTable
from fsspec.core import url_to_fs
from lake_rows import snapshot
from moto_s3 import BUCKET, moto_s3
from news_site import synthetic_article

from newslake.warehouse.failpoints import ENV, PAUSE_ENV
from newslake.warehouse.lake import Lake, uncommitted
from newslake.warehouse.objectstore import LEASE, local_lake, storage_options
from newslake.warehouse.runs import newest, runs
from newslake.warehouse.schemas import TABLES

SCRIPT = (
    "import json, sys; from newslake.flows.ingest import run_ingest; "
    "s = run_ingest(sources=sys.argv[1:-1], lake=sys.argv[-1], workers=1, "
    "allow_hosts=['127.0.0.1']); print(json.dumps(s.as_dict()))"
)
UPDATE = b"<p>Update: the harbour board confirmed the new figures late on Friday.</p>"


@pytest.fixture(scope="module")
def api_url(prefect_backend) -> str:
    """The session's Prefect API, for child processes (no ephemeral server each)."""
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value()


class Child:
    """An ingest run in a child process, optionally paused before the writer's section until
    `release()`."""

    def __init__(
        self,
        sources: list[str],
        lake: Path | str,
        api_url: str,
        pause: Path | None = None,
        folder: Path | None = None,
        cache: Path | None = None,
    ):
        """`folder` holds its log (by default the lake's parent); `cache` is its mirror's
        cache directory (an S3 lake)."""
        env = {**os.environ, "PREFECT_API_URL": api_url, "NEWSLAKE__FETCH__MIN_DELAY_S": "0"}
        env.pop(ENV, None)
        env.pop(PAUSE_ENV, None)
        if pause is not None:
            env[PAUSE_ENV] = f"before-section:{pause}"
        if cache is not None:
            env["NEWSLAKE__CACHE_DIR"] = str(cache)
        self.pause = pause
        folder = folder or Path(lake).parent
        self.log = folder / f"run-{len(list(folder.glob('*.log')))}.log"
        self.process = subprocess.Popen(
            [sys.executable, "-c", SCRIPT, *sources, str(lake)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=self.log.open("w"),
            text=True,
        )

    def wait_paused(self) -> None:
        assert self.pause is not None
        reached = Path(f"{self.pause}.reached")
        deadline = time.monotonic() + 300
        while not reached.exists():
            assert self.process.poll() is None, self.log.read_text()[-2000:]
            assert time.monotonic() < deadline, "the run never reached its pause"
            time.sleep(0.1)

    def release(self) -> None:
        assert self.pause is not None
        self.pause.touch()

    def summary(self) -> dict:
        out, _ = self.process.communicate(timeout=300)
        assert self.process.returncode == 0, self.log.read_text()[-3000:]
        return json.loads(out.strip().splitlines()[-1])


def serially(runs_sources: list[list[str]], lake: Path, api_url: str) -> None:
    for sources in runs_sources:
        Child(sources, lake, api_url).summary()


def together(a: list[str], b: list[str], lake: Path, api_url: str) -> tuple[dict, dict]:
    """Runs a and b started together and both held once staged; b commits first, then a."""
    first = Child(a, lake, api_url, pause=lake.parent / "release-a")
    second = Child(b, lake, api_url, pause=lake.parent / "release-b")
    first.wait_paused()
    second.wait_paused()  # both staged against the same commit point, unlocked
    assert not (lake / "_lock").exists() or not (lake / "_lock").read_text()
    second.release()
    b_summary = second.summary()
    first.release()
    return first.summary(), b_summary


def duplicates(lake: Path) -> dict[str, list]:
    """Ids that appear twice where each must appear once."""
    con = duckdb.connect(str(lake / "warehouse.duckdb"), read_only=True)
    queries = {
        "pages": "SELECT page_id FROM pages GROUP BY ALL HAVING count(*) > 1",
        "articles": "SELECT article_id FROM articles GROUP BY ALL HAVING count(*) > 1",
        "content": "SELECT content_hash FROM articles GROUP BY ALL HAVING count(*) > 1",
        # an updated text is indexed again, by the run that stored it
        "story_index": "SELECT article_id, run_id FROM story_index GROUP BY ALL "
        "HAVING count(*) > 1",
        "claims": "SELECT article_id, sentence_index FROM claims GROUP BY ALL HAVING count(*) > 1",
        "claim_clusters": "SELECT claim_id FROM claim_clusters GROUP BY ALL HAVING count(*) > 1",
    }
    try:
        return {name: con.execute(sql).fetchall() for name, sql in queries.items()}
    finally:
        con.close()


def count(lake: Path, sql: str) -> int:
    con = duckdb.connect(str(lake / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def check_lake(lake: Path, a: dict, b: dict) -> None:
    assert a["replaced"] and not b["replaced"]  # a found b's commit and placed again
    assert a["section_seconds"] > 0 and b["section_seconds"] > 0
    assert {a["run_id"], b["run_id"]} <= {p.run_id for p in runs(lake)}
    assert all(not rows for rows in duplicates(lake).values()), duplicates(lake)
    assert uncommitted(Lake(lake)) == []
    assert not any((lake / "_staging").iterdir()) if (lake / "_staging").exists() else True


@pytest.mark.slow
def test_two_runs_stage_at_once_and_commit_as_a_serial_order_would(
    tmp_path, news_site, sample_dir, api_url
):
    news_site.restore_pages()
    a = [str(sample_dir / "meridian-press")]
    b = [news_site.url("/feeds/rss.xml")]  # other outlets' stories, some the same as a's
    serial = tmp_path / "serial" / "lake"
    serial.parent.mkdir()
    serially([b, a], serial, api_url)
    lake = tmp_path / "concurrent" / "lake"
    lake.parent.mkdir()
    a_summary, b_summary = together(a, b, lake, api_url)

    check_lake(lake, a_summary, b_summary)
    assert a_summary["new"] > 0 and b_summary["new"] > 0
    assert snapshot(lake) == snapshot(serial)
    assert count(lake, "SELECT count(DISTINCT story_id) FROM articles") > 0


@pytest.mark.slow
def test_two_runs_updating_one_article_at_once_update_it_once(
    tmp_path, news_site, sample_dir, api_url
):
    """Both runs fetch the same article's new text: the second to commit finds it stored."""
    path = "/concurrent/harbour-board.html"
    first = synthetic_article(news_site.url(path), "harbour-board")
    story = news_site.serve(path, first, "text/html")
    others = [news_site.url(p) for p in news_site.page_paths(broken=False)[:2]]
    serial = tmp_path / "serial" / "lake"
    lake = tmp_path / "concurrent" / "lake"
    for root in (serial, lake):
        root.parent.mkdir()
        serially([[story]], root, api_url)
    news_site.serve(path, first.replace(b"</p>", b"</p>\n" + UPDATE, 1), "text/html")
    a, b = [story, others[0]], [story, others[1]]
    serially([b, a], serial, api_url)
    a_summary, b_summary = together(a, b, lake, api_url)

    check_lake(lake, a_summary, b_summary)
    assert b_summary["updated"] == 1 and a_summary["updated"] == 0
    assert snapshot(lake) == snapshot(serial)
    for root in (serial, lake):
        assert count(root, "SELECT count(*) FROM article_versions") == 1  # v1, archived once
        assert count(root, f"SELECT count(*) FROM articles WHERE url = '{story}'") == 1


@pytest.fixture(scope="module")
def s3():
    with moto_s3() as endpoint:
        yield endpoint


def keys_read_by_deltalake(lake: str, at: dict[str, int]) -> dict[str, list]:
    """Each keyed table's keys as deltalake reads them at the versions `at` (a path or URL)."""
    found = {}
    for name, spec in TABLES.items():
        if spec.key is None or name not in at:
            continue
        table = DeltaTable(
            f"{lake}/{spec.path}", version=at[name], storage_options=storage_options()
        )
        found[name] = sorted(table.to_pyarrow_table(columns=[spec.key])[spec.key].to_pylist())
    return found


@pytest.mark.slow
def test_two_runs_on_an_s3_lake_stage_at_once_and_commit_as_a_serial_order_would(
    tmp_path, news_site, sample_dir, api_url, s3
):
    """Each run has a cache directory (a mirror) of its own, as on two machines; neither holds
    the store's lease while it stages."""
    news_site.restore_pages()
    a = [str(sample_dir / "meridian-press")]
    b = [news_site.url("/feeds/rss.xml")]
    serial = tmp_path / "serial" / "lake"
    serial.parent.mkdir()
    serially([b, a], serial, api_url)
    url = f"s3://{BUCKET}/concurrent/lake"
    fs, base = url_to_fs(url, skip_instance_cache=True, use_listings_cache=False)
    first = Child(a, url, api_url, tmp_path / "release-a", tmp_path, tmp_path / "cache-a")
    second = Child(b, url, api_url, tmp_path / "release-b", tmp_path, tmp_path / "cache-b")
    first.wait_paused()
    second.wait_paused()  # both staged against the same (empty) store, without the lease
    assert not fs.exists(f"{base}/{LEASE}")
    second.release()
    b_summary = second.summary()
    first.release()
    a_summary = first.summary()

    lake = Path(local_lake(url, str(tmp_path / "reader")))  # a third machine reads the store
    check_lake(lake, a_summary, b_summary)
    assert a_summary["new"] > 0 and b_summary["new"] > 0
    assert snapshot(lake) == snapshot(serial)
    assert not fs.exists(f"{base}/{LEASE}")  # released
    # deltalake on the bucket, at the newest `_runs` row, reads what the serial lake holds.
    in_bucket = keys_read_by_deltalake(url, newest(lake).versions)
    assert in_bucket == keys_read_by_deltalake(str(serial), newest(serial).versions)
    assert all(len(keys) == len(set(keys)) for name, keys in in_bucket.items() if name != "claims")
    assert in_bucket["articles"]
