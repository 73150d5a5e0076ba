"""The outlet's stated day partitions articles and counts in coverage_daily; `reprocess` brings
a lake written before published_day existed to what a fresh ingest writes."""

from datetime import date

import duckdb
import pyarrow.compute as pc
import pyarrow.parquet as pq
from lake_rows import snapshot

from newslake.flows.ingest import run_ingest
from newslake.flows.maintenance import reprocess_lake
from newslake.warehouse.lake import Lake, partition_dir
from newslake.warehouse.schemas import ARTICLES

BODY = " ".join(
    f"Sentence {n} of the council report says the harbour budget grew again this year."
    for n in range(12)
)
NEW_COLUMNS = ("published_offset_minutes", "published_day")


def page(stamp: str) -> str:
    return (
        "<html><head><title>Harbour budget grows</title>"
        f'<meta property="article:published_time" content="{stamp}"></head>'
        f"<body><article><h1>Harbour budget grows</h1><p>{BODY}</p></article></body></html>"
    )


def rows(lake, sql: str) -> list[tuple]:
    con = duckdb.connect(str(lake / "warehouse.duckdb"), read_only=True)
    try:
        return sorted(con.execute(sql).fetchall())
    finally:
        con.close()


def test_an_article_is_filed_and_counted_on_the_day_its_outlet_states(tmp_path, prefect_backend):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    # 08:30 on the 15th in Tokyo is the 14th in UTC; 22:00 on the 9th in New York is the 10th.
    (corpus / "tokyo.html").write_text(page("2026-03-15T08:30:00+09:00"))
    (corpus / "new-york.html").write_text(page("2026-03-09T22:00:00-04:00").replace("grew", "fell"))
    # Near miss: a time stated in UTC stays on its UTC day.
    (corpus / "utc.html").write_text(page("2026-03-12T23:30:00Z").replace("grew", "held"))
    lake = tmp_path / "lake"
    run_ingest(sources=[str(corpus)], lake=str(lake), workers=1)

    articles = rows(
        lake,
        "SELECT regexp_extract(url, '[a-z-]+\\.html$'), published_offset_minutes, "
        "published_day, published_date, CAST(timezone('UTC', published_at) AS DATE) "
        "FROM articles",
    )
    assert articles == [
        ("new-york.html", -240, date(2026, 3, 9), date(2026, 3, 9), date(2026, 3, 10)),
        ("tokyo.html", 540, date(2026, 3, 15), date(2026, 3, 15), date(2026, 3, 14)),
        ("utc.html", 0, date(2026, 3, 12), date(2026, 3, 12), date(2026, 3, 12)),
    ]
    counted = rows(lake, "SELECT date, sum(articles) FROM coverage_daily GROUP BY date")
    assert counted == [(date(2026, 3, d), 1) for d in (9, 12, 15)]


def as_previous_version(lake: Lake) -> None:
    """Rewrite the articles files as the version before published_day wrote them: without the
    new columns, partitioned by the UTC date of published_at."""
    for path in lake.data_files(ARTICLES):
        table = pq.read_table(path, partitioning=None).drop_columns(list(NEW_COLUMNS))
        path.unlink()
        for day in pc.unique(pc.cast(table["published_at"], "date32")).to_pylist():
            part = table.filter(pc.equal(pc.cast(table["published_at"], "date32"), day))
            folder = lake.table_dir(ARTICLES) / partition_dir(
                ARTICLES, {"published_at": None, "published_day": day}
            )
            folder.mkdir(parents=True, exist_ok=True)
            pq.write_table(part, folder / path.name)


def test_reprocess_of_a_lake_built_by_the_previous_version_gives_a_fresh_ingests_tables(
    tmp_path, sample_dir, prefect_backend
):
    config = str(sample_dir.parent / "demo.toml")
    sources = [str(sample_dir / "byteharbor"), str(sample_dir / "la-voz-de-la-bahia")]
    fresh, old = tmp_path / "fresh", tmp_path / "old"
    for lake in (fresh, old):
        run_ingest(sources=sources, lake=str(lake), config_path=config, workers=1)
    as_previous_version(Lake(old))
    stored = pq.read_schema(Lake(old).data_files(ARTICLES)[0]).names
    assert not set(NEW_COLUMNS) & set(stored)
    offsets = "SELECT count(*) FROM articles WHERE published_offset_minutes <> 0"
    assert rows(fresh, offsets)[0][0] > 0  # the sample states offsets other than UTC

    reprocess_lake(lake=str(old), config_path=config, workers=1)

    before, after = snapshot(fresh), snapshot(old)
    for table in ("pages", "articles", "story_index", "coverage_daily"):
        assert after[table] == before[table], table
    sentences = "SELECT * EXCLUDE (claim_id, run_id) FROM claims"
    assert rows(old, sentences) == rows(fresh, sentences)
    for path in Lake(old).data_files(ARTICLES):
        assert set(NEW_COLUMNS) <= set(pq.read_schema(path).names)
