"""`lake = "s3://…"`: the flows and the CLI on an object-store lake (moto's S3)."""

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
import pytest
from deltalake import DeltaTable
from fsspec.core import url_to_fs
from lake_rows import snapshot
from moto_s3 import BUCKET, moto_s3
from news_site import synthetic_article

from newslake.flows.ingest import run_ingest
from newslake.flows.maintenance import compact_lake, reprocess_lake
from newslake.transforms.errors import LakeError
from newslake.warehouse.claim_keys import CLAIM_KEYS
from newslake.warehouse.delta import delta_schema
from newslake.warehouse.lake import Lake
from newslake.warehouse.lake_index import LakeIndex
from newslake.warehouse.objectstore import local_lake, storage_options
from newslake.warehouse.schemas import TABLES

NEWSLAKE = str(Path(sys.executable).with_name("newslake"))
URL = f"s3://{BUCKET}/flows/lake"


@pytest.fixture(scope="module")
def s3() -> Iterator[str]:
    with moto_s3() as endpoint:
        yield endpoint


def newslake(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "PREFECT_HOME": str(cwd / ".prefect"),
        "NEWSLAKE__CACHE_DIR": str(cwd / "cache"),  # a cache of its own, as on another machine
    }
    env.pop("PREFECT_API_URL", None)  # the CLI starts its own ephemeral API
    return subprocess.run(
        [NEWSLAKE, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=300
    )


def test_an_s3_lake_holds_what_a_local_one_does(
    s3, tmp_path, sample_dir, prefect_backend, monkeypatch
):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    config = str(sample_dir.parent / "demo.toml")
    sources = [str(sample_dir / "meridian-press"), str(sample_dir / "byteharbor")]
    local = tmp_path / "local"
    run_ingest(sources=sources, lake=str(local), config_path=config, workers=1)
    first = run_ingest(sources=sources, lake=URL, config_path=config, workers=1)
    assert first.count("new") > 0

    # Another machine (another cache) reads the same rows from the store.
    elsewhere = Path(local_lake(URL, str(tmp_path / "elsewhere")))
    assert snapshot(elsewhere) == snapshot(local)

    again = run_ingest(sources=sources, lake=URL, config_path=config, workers=1)
    assert again.count("new") == 0
    assert again.count("unchanged") == first.count("new")

    paths = {name: spec.path for name, spec in TABLES.items() if bucket_files(URL, spec.path)}
    before = {name: latest_files(URL, path) for name, path in paths.items()}
    monkeypatch.setenv("NEWSLAKE__RETENTION_HOURS", "0")  # vacuum what compaction replaced
    merged = compact_lake(lake=URL, config_path=config)
    assert merged  # the second run's files were merged into the first's
    for name, path in paths.items():
        after = latest_files(URL, path)
        assert len(after) < len(before[name]) or name not in merged, name
        assert bucket_files(URL, path) == after, name  # delta-rs vacuumed the bucket
    assert snapshot(Path(local_lake(URL, str(tmp_path / "elsewhere")))) == snapshot(local)

    # Rebuilding silver and gold from the stored pages works on the store as on disk.
    rebuilt = reprocess_lake(lake=URL, config_path=config, workers=1)
    assert rebuilt.count("new") == first.count("new")
    assert_bucket_holds_the_views(URL, Path(local_lake(URL, str(tmp_path / "elsewhere"))))
    assert (
        snapshot(Path(local_lake(URL, str(tmp_path / "elsewhere"))))["articles"]
        == (snapshot(local)["articles"])
    )

    # The real CLI, in another process with its own cache, reads the store.
    cli = tmp_path / "cli"
    cli.mkdir()
    sql = newslake(
        "sql", "--lake", URL, "--format", "csv", "SELECT count(*) AS n FROM articles", cwd=cli
    )
    assert sql.returncode == 0, sql.stderr
    assert sql.stdout.split() == ["n", str(first.count("new"))]
    status = newslake("status", "--lake", URL, cwd=cli)
    assert status.returncode == 0, status.stderr
    assert "silver/articles" in status.stdout
    assert "lock: free" in status.stdout
    assert URL in status.stdout  # the store, not the local mirror it was read through
    report = newslake("report", "--lake", URL, "--out", str(cli / "report.html"), cwd=cli)
    assert report.returncode == 0, report.stderr
    assert "Calder Bay" in (cli / "report.html").read_text()


def bucket_files(url: str, table: str) -> set[str]:
    """The data files of a table in the bucket (its Delta log aside), named or not."""
    fs, base = url_to_fs(f"{url}/{table}", skip_instance_cache=True, use_listings_cache=False)
    return {
        path.removeprefix(f"{base}/")
        for path in fs.find(base)
        if path.endswith(".parquet") and "/_delta_log/" not in path
    }


def latest_files(url: str, table: str) -> set[str]:
    """The data files the latest version of a table in the bucket names."""
    uris = DeltaTable(f"{url}/{table}", storage_options=storage_options()).file_uris()
    return {uri.removeprefix(f"{url}/{table}/") for uri in uris}


def assert_bucket_holds_the_views(url: str, mirror: Path) -> dict[str, pl.DataFrame]:
    """Every table read from the bucket by deltalake and by polars has the declared types and
    the rows of its view; returns the polars frames."""
    options = storage_options()
    con = duckdb.connect(str(mirror / "warehouse.duckdb"), read_only=True)
    frames = {}
    try:
        for name, spec in TABLES.items():
            view = con.execute(f"SELECT * FROM {name}").to_arrow_table()
            uri = f"{url}/{spec.path}"
            if not DeltaTable.is_deltatable(uri, options):
                assert view.num_rows == 0, name
                continue
            declared = delta_schema(spec)
            table = DeltaTable(uri, storage_options=options).to_pyarrow_table()
            assert [(f.name, f.type) for f in table.schema] == [
                (f.name, f.type) for f in declared
            ], name
            frame = pl.scan_delta(uri, storage_options=options).collect()
            empty = pl.from_arrow(declared.empty_table())
            assert dict(frame.schema) == dict(empty.schema), name
            assert frame.height == table.num_rows == view.num_rows, name
            columns = [c for c in declared.names if not pa.types.is_nested(declared.field(c).type)]
            assert sorted(frame.select(columns).rows(), key=repr) == sorted(
                pl.from_arrow(view.select(columns)).cast(empty.select(columns).schema).rows(),
                key=repr,
            ), name
            frames[name] = frame
    finally:
        con.close()
    return frames


def test_the_buckets_tables_show_a_runs_updates(s3, tmp_path, prefect_backend, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    url = f"s3://{BUCKET}/flows/updated"
    pages = tmp_path / "pages"
    pages.mkdir()
    for i in range(4):
        page = synthetic_article(f"https://gazette.example/news/{i}", 11 * i + 5)
        (pages / f"article-{i}.html").write_bytes(page)
    first = run_ingest(sources=[str(pages)], lake=url, workers=1)
    assert first.count("new") == 4
    before = assert_bucket_holds_the_views(url, Path(local_lake(url, str(tmp_path / "reader"))))
    assert before["articles"].height == 4

    note = "<p>Correction: the council vote took place on Tuesday, not on Monday.</p>"
    for i in (0, 3):
        page = pages / f"article-{i}.html"
        page.write_bytes(page.read_bytes().replace(b"</article>", f"{note}</article>".encode()))
    again = run_ingest(sources=[str(pages)], lake=url, workers=1)
    assert again.count("updated") == 2
    after = assert_bucket_holds_the_views(url, Path(local_lake(url, str(tmp_path / "reader"))))
    articles = after["articles"]
    assert articles.height == 4 and articles["article_id"].n_unique() == 4
    corrected = articles.filter(pl.col("text").str.contains("Correction: the council vote"))
    assert corrected.height == 2
    assert after["article_versions"].height == 2  # the earlier texts, kept


def test_the_cli_reports_a_missing_s3_lake_in_one_line(s3, tmp_path):
    result = newslake("sql", "--lake", f"s3://{BUCKET}/nothing", "SELECT 1", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("error: no lake at s3://")
    assert "Traceback" not in result.stderr


KILLED_RUN = (
    "import sys; from newslake.flows.ingest import run_ingest; "
    "run_ingest(sources=sys.argv[1:-1], lake=sys.argv[-1], workers=1)"
)


@pytest.mark.slow
def test_a_run_killed_mid_commit_on_s3_is_undone_by_the_next(
    s3, tmp_path, sample_dir, prefect_backend, monkeypatch
):
    from prefect.settings import PREFECT_API_URL

    from newslake.warehouse.failpoints import ENV
    from newslake.warehouse.objectstore import LEASE, Mirror

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    url = f"s3://{BUCKET}/flows/killed"
    sources = [str(sample_dir / "meridian-press")]
    reference = tmp_path / "reference"
    run_ingest(sources=sources, lake=str(reference), workers=1)

    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(), ENV: "mid-commit"}
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_RUN, *sources, url], env=env, capture_output=True, timeout=300
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    # The first table committed in the bucket, `_runs` names no run yet: no lake for readers.
    assert DeltaTable.is_deltatable(f"{url}/bronze/pages", storage_options())
    with pytest.raises(LakeError, match="no lake at"):
        local_lake(url, str(tmp_path / "reader"))
    # The killed run's lease would expire in 5 minutes; its operator removes it at once.
    mirror = Mirror(url)
    mirror.fs.rm_file(mirror.key(LEASE))

    again = run_ingest(sources=sources, lake=url, workers=1)
    assert again.count("new") > 0
    assert snapshot(Path(local_lake(url, str(tmp_path / "reader")))) == snapshot(reference)
    assert_bucket_holds_the_views(url, Path(local_lake(url, str(tmp_path / "reader"))))


def claim_answers(mirror: Path, mode: str, keys: list[int], spill: Path) -> dict:
    """Claim candidates and exact matches for `keys` from a mirror, with NEWSLAKE_CLAIM_INDEX
    set to `mode`; also whether the key index answered."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NEWSLAKE_CLAIM_INDEX", mode)
        index = LakeIndex(Lake(mirror), spill=spill / mode / "index.duckdb")
        try:
            return {
                "candidates": {k: sorted(v) for k, v in index.claim_candidates(keys).items()},
                "exact": index.claim_exact(keys),
                "indexed": index.claim_keys is not None,
            }
        finally:
            index.close()


def test_another_machine_answers_claims_through_the_key_index_from_the_store(
    s3, tmp_path, sample_dir, prefect_backend, monkeypatch
):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    url = f"s3://{BUCKET}/flows/claim-keys"
    config = str(sample_dir.parent / "demo.toml")
    run_ingest(sources=[str(sample_dir / "meridian-press")], lake=url, config_path=config)
    fs, base = url_to_fs(f"{url}/{CLAIM_KEYS.path}", skip_instance_cache=True)
    assert [path for path in fs.find(base) if path.endswith(".sqlite")]  # segments in the store

    for step, sources in enumerate(([], [str(sample_dir / "byteharbor")])):
        if sources:  # a second writer, with a cache of its own, adds claims through the store
            monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "writer"))
            run_ingest(sources=sources, lake=url, config_path=config, workers=1)
        mirror = Path(local_lake(url, str(tmp_path / f"reader-{step}")))
        lake = Lake(mirror)
        segments = lake.data_files(CLAIM_KEYS)
        assert segments and all(path.is_file() for path in segments)
        con = duckdb.connect()
        try:
            keys = sorted(
                key
                for (key,) in con.execute(
                    "SELECT DISTINCT unnest(match_keys) FROM "
                    f"read_parquet({[str(p) for p in lake.data_files(TABLES['claims'])]})"
                ).fetchall()
            )
        finally:
            con.close()
        asked = [*keys[:: max(1, len(keys) // 200)], 1234567]  # held keys, and one held by none
        indexed = claim_answers(mirror, "index", asked, tmp_path / f"spill-{step}")
        scanned = claim_answers(mirror, "scan", asked, tmp_path / f"spill-{step}")
        assert indexed.pop("indexed") and not scanned.pop("indexed")
        assert indexed == scanned
        assert indexed["candidates"] and indexed["exact"], step
