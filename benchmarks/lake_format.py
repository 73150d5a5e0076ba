"""Delta Lake (deltalake / delta-rs) against Apache Iceberg (pyiceberg, SQLite catalog) on
newslake's own tables: which open table format should hold the lake (issue 23).

A real lake is written first by `newslake demo` (the bundled sample corpus) in a temporary
directory; its articles, claims and fetch_log Parquet (Hive partitions) are read back with the
partition column and loaded into each format. A "run" is ~100 articles' rows (lake rows with
fresh keys) appended to the three tables, one commit per table. Every step is timed REPEATS
times in fresh tables and the median printed. Needs the `bench-format` extra; exits 0 with a
note when deltalake or pyiceberg is missing.

    .venv/bin/python benchmarks/lake_format.py [--repeats 3] [--run-articles 100] [--no-s3]
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from newslake.warehouse.lake import partition_date
from newslake.warehouse.schemas import ARTICLES, CLAIMS, FETCH_LOG, TableSpec, conform

try:
    import deltalake
    import pyiceberg
    from pyiceberg.catalog.sql import SqlCatalog
    from pyiceberg.exceptions import CommitFailedException
    from pyiceberg.expressions import In
except ImportError as missing:  # the optional extra is not installed
    print(f"skipped: {missing.name} is not installed (pip install -e '.[bench-format]')")
    sys.exit(0)

REPO = Path(__file__).resolve().parents[1]
VENV_BIN = REPO / ".venv" / "bin"
BIN = VENV_BIN if (VENV_BIN / "newslake").exists() else Path(sys.executable).parent
SPECS = (ARTICLES, CLAIMS, FETCH_LOG)
UPDATED = 20  # articles replaced by the upsert step
SMALL_COMMITS = 10  # runs appended before compaction
WRITERS, WRITES_EACH = 2, 4  # concurrent writers on one table
DOC_KEYS = (b"comment", b"doc")  # Delta/Spark and Iceberg spell a column comment differently

sys.path.insert(0, str(REPO / "tests"))


# ---------------------------------------------------------------- the lake and its rows


def build_lake(root: Path) -> None:
    """Run `newslake demo` into root (the real CLI, Prefect included)."""
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}
    env.pop("PREFECT_API_URL", None)
    done = subprocess.run(
        [str(BIN / "newslake"), "demo", "--lake", str(root)], env=env, capture_output=True
    )
    if done.returncode:
        sys.exit(f"newslake demo failed:\n{done.stderr.decode(errors='replace')[-3000:]}")


def table_schema(spec: TableSpec) -> pa.Schema:
    """The file schema plus the partition column, each column commented (both spellings)."""
    fields = [
        pa.field(c.name, c.type, c.nullable, {key: c.doc for key in DOC_KEYS}) for c in spec.columns
    ]
    doc = {key: spec.partition_doc for key in DOC_KEYS}
    fields.append(pa.field(spec.partition, pa.date32(), True, doc))
    return pa.schema(fields)


def read_lake_table(root: Path, spec: TableSpec) -> pa.Table:
    """A table's committed Parquet, with its Hive partition value as a date column."""
    base = root / spec.path
    parts = []
    for path in sorted(base.rglob("*.parquet")):
        rel = path.relative_to(base).as_posix()
        data = conform(pq.read_table(path), spec.schema)
        value: date | None = partition_date(rel)
        parts.append(data.append_column(spec.partition, pa.array([value] * len(data), pa.date32())))
    return pa.concat_tables(parts).cast(table_schema(spec))


def run_batch(lake: dict[str, pa.Table], n: int, tag: str) -> dict[str, pa.Table]:
    """A typical run's rows: n articles (lake rows under fresh ids), their claims, n fetch rows."""
    articles, claims, fetches = lake["articles"], lake["claims"], lake["fetch_log"]
    ids = articles["article_id"].to_pylist()
    pick = [i % len(ids) for i in range(n)]
    new_ids = [f"{ids[i]}~{tag}{k}" for k, i in enumerate(pick)]
    by_article: dict[str, list[int]] = {}
    for row, aid in enumerate(claims["article_id"].to_pylist()):
        by_article.setdefault(aid, []).append(row)
    claim_rows, claim_ids = [], []
    for new_id, i in zip(new_ids, pick, strict=True):
        rows = by_article.get(ids[i], [])
        claim_rows += rows
        claim_ids += [new_id] * len(rows)
    fetch_pick = [i % len(fetches) for i in range(n)]
    urls = fetches["url"].to_pylist()
    fetch_urls = [f"{urls[i]}#{tag}{k}" for k, i in enumerate(fetch_pick)]
    return {
        "articles": _with(articles.take(pick), "article_id", new_ids),
        "claims": _with(claims.take(claim_rows), "article_id", claim_ids),
        "fetch_log": _with(fetches.take(fetch_pick), "url", fetch_urls),
    }


def updated_batch(lake: dict[str, pa.Table], edit: str) -> dict[str, pa.Table]:
    """UPDATED existing articles with a new title, and their claims as they are."""
    articles = lake["articles"].slice(0, UPDATED)
    keys = set(articles["article_id"].to_pylist())
    titles = [f"{t} ({edit})" for t in articles["title"].to_pylist()]
    claims = lake["claims"].filter(pa.compute.is_in(lake["claims"]["article_id"], pa.array(keys)))
    return {"articles": _with(articles, "title", titles), "claims": claims}


def _with(table: pa.Table, column: str, values: list[Any]) -> pa.Table:
    index = table.schema.get_field_index(column)
    field = table.schema.field(index)
    return table.set_column(index, field, pa.array(values, field.type))


# ---------------------------------------------------------------- the two formats


class Delta:
    """One lake as Delta tables under a root URI (local path or s3://)."""

    name = "delta"

    def __init__(self, root: str, storage: dict[str, str] | None = None) -> None:
        self.root, self.storage = root.rstrip("/"), storage

    def uri(self, table: str) -> str:
        return f"{self.root}/{table}"

    def table(self, table: str, version: int | None = None) -> deltalake.DeltaTable:
        return deltalake.DeltaTable(self.uri(table), version=version, storage_options=self.storage)

    def create(self, spec: TableSpec, data: pa.Table) -> None:
        deltalake.write_deltalake(
            self.uri(spec.name), data, partition_by=[spec.partition], storage_options=self.storage
        )

    def append(self, spec: TableSpec, data: pa.Table) -> None:
        deltalake.write_deltalake(
            self.uri(spec.name), data, mode="append", storage_options=self.storage
        )

    def replace(self, spec: TableSpec, data: pa.Table, key: str) -> None:
        """Delete by key and append, one commit (predicate overwrite, i.e. replaceWhere)."""
        keys = ", ".join(f"'{k}'" for k in set(data[key].to_pylist()))
        deltalake.write_deltalake(
            self.uri(spec.name),
            data,
            mode="overwrite",
            predicate=f"{key} IN ({keys})",
            storage_options=self.storage,
        )

    def merge(self, spec: TableSpec, data: pa.Table, key: str) -> None:
        (
            self.table(spec.name)
            .merge(data, f"t.{key} = s.{key}", source_alias="s", target_alias="t")
            .when_matched_update_all()
            .when_not_matched_insert_all()
            .execute()
        )

    def compact(self, spec: TableSpec) -> None:
        self.table(spec.name).optimize.compact()

    def vacuum(self, spec: TableSpec) -> None:
        table = self.table(spec.name)
        table.vacuum(retention_hours=0, enforce_retention_duration=False, dry_run=False)
        table.cleanup_metadata()

    def files(self, spec: TableSpec, previous: bool = False) -> list[str]:
        table = self.table(spec.name)
        if previous:
            table = self.table(spec.name, table.version() - 1)
        return [u.removeprefix("file://") for u in table.file_uris()]

    def commits(self, spec: TableSpec) -> int:
        return len(self.table(spec.name).history())

    def location(self, spec: TableSpec) -> str:
        return self.uri(spec.name)

    def survives(self, spec: TableSpec) -> dict[str, bool]:
        table = self.table(spec.name)
        schema = pa.schema(table.schema().to_arrow())
        wanted = table_schema(spec)
        return {
            "partition": table.metadata().partition_columns == [spec.partition],
            "types changed": {
                f.name: str(f.type) for f, w in zip(schema, wanted, strict=True) if f.type != w.type
            },
            "nullability": [f.nullable for f in schema] == [f.nullable for f in wanted],
            "comments": all(
                (f.metadata or {}).get(b"comment") == w.metadata[b"comment"]
                for f, w in zip(schema, wanted, strict=True)
            ),
        }


class Iceberg:
    """One lake as Iceberg tables in a SQLite SqlCatalog (no server) with a warehouse URI."""

    name = "iceberg"

    def __init__(self, catalog_db: Path, warehouse: str, props: dict[str, str] | None = None):
        self.catalog = SqlCatalog(
            "bench", uri=f"sqlite:///{catalog_db}", warehouse=warehouse, **(props or {})
        )
        self.catalog.create_namespace_if_not_exists("lake")

    def table(self, table: str) -> Any:
        return self.catalog.load_table(f"lake.{table}")

    def create(self, spec: TableSpec, data: pa.Table) -> None:
        table = self.catalog.create_table(f"lake.{spec.name}", schema=data.schema)
        with table.update_spec() as update:
            update.add_identity(spec.partition)
        table.append(data)

    def append(self, spec: TableSpec, data: pa.Table) -> None:
        self.table(spec.name).append(data)

    def replace(self, spec: TableSpec, data: pa.Table, key: str) -> None:
        """Delete by key and append in one transaction (overwrite with a filter)."""
        keys = set(data[key].to_pylist())
        self.table(spec.name).overwrite(data, overwrite_filter=In(key, keys))

    def merge(self, spec: TableSpec, data: pa.Table, key: str) -> None:
        self.table(spec.name).upsert(data, join_cols=[key])

    def compact(self, spec: TableSpec) -> None:
        """pyiceberg has no rewrite-data-files: rewrite the table's rows in one overwrite."""
        table = self.table(spec.name)
        table.overwrite(table.scan().to_arrow())

    def vacuum(self, spec: TableSpec) -> None:
        table = self.table(spec.name)
        current = table.current_snapshot().snapshot_id
        old = [s.snapshot_id for s in table.snapshots() if s.snapshot_id != current]
        if old:
            table.maintenance.expire_snapshots().by_ids(old).commit()

    def files(self, spec: TableSpec, previous: bool = False) -> list[str]:
        table = self.table(spec.name)
        snapshot = table.current_snapshot()
        if previous:
            snapshot = table.snapshot_by_id(snapshot.parent_snapshot_id)
        scan = table.scan(snapshot_id=snapshot.snapshot_id)
        return [task.file.file_path.removeprefix("file://") for task in scan.plan_files()]

    def commits(self, spec: TableSpec) -> int:
        return len(self.table(spec.name).snapshots())

    def location(self, spec: TableSpec) -> str:
        return str(self.table(spec.name).location()).removeprefix("file://")

    def survives(self, spec: TableSpec) -> dict[str, bool]:
        table = self.table(spec.name)
        schema = table.schema().as_arrow()
        wanted = table_schema(spec)
        fields = [table.schema().find_field(f.name) for f in wanted]
        source_ids = [p.source_id for p in table.spec().fields]
        return {
            "partition": source_ids == [table.schema().find_field(spec.partition).field_id],
            "types changed": {
                w.name: str(schema.field(w.name).type)
                for w in wanted
                if schema.field(w.name).type != w.type
            },
            "nullability": [not f.required for f in fields] == [f.nullable for f in wanted],
            "comments": all(
                f.doc == w.metadata[b"doc"].decode() for f, w in zip(fields, wanted, strict=True)
            ),
        }


Format = Delta | Iceberg


# ---------------------------------------------------------------- measurements


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def workload(
    fmt: Format,
    lake: dict[str, pa.Table],
    run_articles: int,
    reads: dict[str, Any],
    con: duckdb.DuckDBPyConnection,
) -> dict[str, float]:
    """One pass of every write step on a fresh lake; seconds per step. DuckDB reads of the
    last run's snapshot and the one before go into reads, and of the compacted one after."""
    out: dict[str, float] = {}
    out["create (load the lake)"] = timed(lambda: [fmt.create(s, lake[s.name]) for s in SPECS])
    batch = run_batch(lake, run_articles, "r")
    out["run commit: 3 appends"] = timed(lambda: [fmt.append(s, batch[s.name]) for s in SPECS])
    update = updated_batch(lake, "updated")
    out["replace 20 articles + claims"] = timed(
        lambda: [fmt.replace(s, update[s.name], "article_id") for s in (ARTICLES, CLAIMS)]
    )
    out["merge 20 articles"] = timed(
        lambda: fmt.merge(ARTICLES, updated_batch(lake, "merged")["articles"], "article_id")
    )
    for k in range(SMALL_COMMITS):
        small = run_batch(lake, run_articles // 10, f"s{k}")
        for spec in SPECS:
            fmt.append(spec, small[spec.name])
    reads.update(duckdb_reads(con, fmt, (False, True)))
    out["compact 3 tables"] = timed(lambda: [fmt.compact(s) for s in SPECS])
    out["vacuum/expire 3 tables"] = timed(lambda: [fmt.vacuum(s) for s in SPECS])
    reads.update({f"{k} after vacuum": v for k, v in duckdb_reads(con, fmt, (False,)).items()})
    return out


def duckdb_reads(
    con: duckdb.DuckDBPyConnection, fmt: Format, which: tuple[bool, ...]
) -> dict[str, Any]:
    """The current snapshot (False) and/or the one before the last commit (True), read by
    DuckDB's read_parquet over the file list the library gives."""
    out: dict[str, Any] = {}
    for spec in SPECS:
        for previous in which:
            started = time.perf_counter()
            files = fmt.files(spec, previous)
            sql = (
                "select count(*), count(distinct "
                + ("url" if spec is FETCH_LOG else "article_id")
                + f"), count(distinct {spec.partition}) from read_parquet(?, hive_partitioning = "
                + f"true, hive_types = {{'{spec.partition}': DATE}}, union_by_name = true)"
            )
            rows = con.execute(sql, [files]).fetchone()
            label = f"{spec.name}{' (previous)' if previous else ''}"
            out[label] = (rows, round(time.perf_counter() - started, 4), len(files))
    return out


def local_pass(tmp: Path, lake: dict[str, pa.Table], run_articles: int) -> dict[str, dict]:
    results: dict[str, dict] = {}
    for fmt in (Delta(str(tmp / "delta")), Iceberg(tmp / "catalog.db", f"file://{tmp / 'ice'}")):
        reads: dict[str, Any] = {}
        times = workload(fmt, lake, run_articles, reads, duckdb.connect())
        results[fmt.name] = {
            "times": times,
            "reads": reads,
            "survives": {s.name: fmt.survives(s) for s in SPECS},
            "commits": {s.name: fmt.commits(s) for s in SPECS},
            "files live/on disk": {
                s.name: (len(fmt.files(s)), len(list(Path(fmt.location(s)).rglob("*.parquet"))))
                for s in SPECS
            },
        }
    return results


def concurrent_writers(fmt: Format, spec: TableSpec, batches: list[pa.Table]) -> dict[str, int]:
    """WRITERS threads append WRITES_EACH batches each to one table; conflicts are retried."""
    conflicts, errors, lock = [0], [], threading.Lock()
    rows_before, commits_before = len(_read_current(fmt, spec)), fmt.commits(spec)

    def writer(mine: list[pa.Table]) -> None:
        for data in mine:
            for _ in range(20):
                try:
                    fmt.append(spec, data)
                    break
                except CommitFailedException:
                    with lock:
                        conflicts[0] += 1
                except Exception as error:
                    with lock:
                        errors.append(f"{type(error).__name__}: {str(error)[:200]}")
                    break

    threads = [threading.Thread(target=writer, args=(batches[w::WRITERS],)) for w in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {
        "conflicts retried by us": conflicts[0],
        "errors": len(errors),
        "commits added": fmt.commits(spec) - commits_before,
        "rows expected": sum(len(b) for b in batches),
        "rows added": len(_read_current(fmt, spec)) - rows_before,
        "first error": errors[0] if errors else "",
    }


def _read_current(fmt: Format, spec: TableSpec) -> pa.Table:
    if isinstance(fmt, Delta):
        return fmt.table(spec.name).to_pyarrow_table()
    return fmt.table(spec.name).scan().to_arrow()


def s3_pass(tmp: Path, lake: dict[str, pa.Table], run_articles: int) -> dict[str, dict]:
    import s3fs
    from moto_s3 import BUCKET, moto_s3

    results: dict[str, dict] = {}
    with moto_s3() as endpoint:
        delta_storage = {
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_ALLOW_HTTP": "true",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": "us-east-1",
        }
        ice_props = {
            "s3.endpoint": endpoint,
            "s3.access-key-id": "testing",
            "s3.secret-access-key": "testing",
            "s3.region": "us-east-1",
        }
        # No httpfs here: DuckDB reads s3:// through fsspec's s3fs, registered in the connection.
        con = duckdb.connect()
        con.register_filesystem(
            s3fs.S3FileSystem(endpoint_url=endpoint, key="testing", secret="testing")
        )
        formats: list[Format] = [
            Delta(f"s3://{BUCKET}/delta", delta_storage),
            Iceberg(tmp / "s3-catalog.db", f"s3://{BUCKET}/ice", ice_props),
        ]
        for fmt in formats:
            entry: dict[str, Any] = {}
            try:
                entry["reads"] = {}
                entry["times"] = workload(fmt, lake, run_articles, entry["reads"], con)
            except Exception as error:
                entry["error"] = f"{type(error).__name__}: {str(error)[:300]}"
                results[fmt.name] = entry
                continue
            spec = FETCH_LOG
            batches = [run_batch(lake, run_articles // 10, f"c{k}")[spec.name] for k in range(8)]
            entry["concurrent"] = concurrent_writers(fmt, spec, batches)
            results[fmt.name] = entry
    return results


def local_concurrency(tmp: Path, lake: dict[str, pa.Table], run_articles: int) -> dict[str, dict]:
    out = {}
    fmts: list[Format] = [
        Delta(str(tmp / "cdelta")),
        Iceberg(tmp / "ccatalog.db", f"file://{tmp / 'cice'}"),
    ]
    for fmt in fmts:
        fmt.create(FETCH_LOG, lake["fetch_log"].slice(0, 0))
        batches = [run_batch(lake, run_articles // 10, f"c{k}")["fetch_log"] for k in range(8)]
        out[fmt.name] = concurrent_writers(fmt, FETCH_LOG, batches)
    return out


# ---------------------------------------------------------------- sizes and report


def installed_size(dists: list[str]) -> dict[str, float]:
    """MB on disk of each installed distribution's files."""
    sizes = {}
    for name in dists:
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        paths = [Path(str(dist.locate_file(f))) for f in dist.files or []]
        total = sum(path.stat().st_size for path in paths if path.is_file())
        sizes[f"{name} {dist.version}"] = round(total / 1e6, 1)
    return sizes


def median_table(passes: list[dict[str, dict]], title: str) -> None:
    print(f"\n## {title} (median of {len(passes)}, seconds)")
    names = [n for n in passes[0] if "times" in passes[0][n]]
    steps = list(passes[0][names[0]]["times"])
    print("| step | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for step in steps:
        cells = []
        for name in names:
            values = [p[name]["times"][step] for p in passes if "times" in p[name]]
            cells.append(f"{statistics.median(values):.3f} ({min(values):.3f}–{max(values):.3f})")
        print(f"| {step} | " + " | ".join(cells) + " |")


@contextmanager
def scratch() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="newslake-format-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--run-articles", type=int, default=100)
    parser.add_argument("--no-s3", action="store_true", help="skip the moto S3 passes")
    parser.add_argument("--lake", type=Path, help="read this newslake lake instead of a demo")
    args = parser.parse_args()
    print(
        f"deltalake {deltalake.__version__}, pyiceberg {pyiceberg.__version__}, "
        f"duckdb {duckdb.__version__}, pyarrow {pa.__version__}, cpus {os.cpu_count()}, "
        f"load {os.getloadavg()[0]:.1f}"
    )
    with scratch() as tmp:
        root = args.lake
        if root is None:
            root = tmp / "lake"
            print(f"building the demo lake: {timed(lambda: build_lake(root)):.1f} s")
        lake = {s.name: read_lake_table(root, s) for s in SPECS}
        print("rows: " + ", ".join(f"{k} {len(v)}" for k, v in lake.items()))
        local = []
        for k in range(args.repeats):
            with scratch() as run_tmp:
                local.append(local_pass(run_tmp, lake, args.run_articles))
            print(
                f"local pass {k + 1}: "
                + ", ".join(f"{n} {sum(r['times'].values()):.2f} s" for n, r in local[-1].items())
            )
        median_table(local, "local filesystem")
        for name, result in local[-1].items():
            print(
                f"\n{name}: DuckDB read_parquet over the snapshot file list "
                "((rows, keys, partitions), seconds incl. listing, files)"
            )
            for label, value in result["reads"].items():
                print(f"  {label}: {value}")
            print(f"  commits kept after vacuum: {result['commits']}")
            print(f"  data files live/on disk after vacuum: {result['files live/on disk']}")
            print(f"  survives: {result['survives']}")
        with scratch() as run_tmp:
            concurrent = local_concurrency(run_tmp, lake, args.run_articles)
        print(f"\nconcurrent writers, local: {concurrent}")
        if not args.no_s3:
            s3 = []
            for k in range(args.repeats):
                with scratch() as run_tmp:
                    s3.append(s3_pass(run_tmp, lake, args.run_articles))
                print(
                    f"S3 pass {k + 1}: "
                    + ", ".join(
                        f"{n} {sum(r['times'].values()):.2f} s" if "times" in r else f"{n} {r}"
                        for n, r in s3[-1].items()
                    )
                )
            median_table(s3, "moto S3 on 127.0.0.1")
            for name, result in s3[-1].items():
                print(f"concurrent writers on S3, {name}: {result.get('concurrent')}")
                for label, value in result.get("reads", {}).items():
                    print(f"  DuckDB via s3fs, {label}: {value}")
    print(
        "\ninstalled size (MB):",
        installed_size(
            [
                "deltalake",
                "arro3-core",
                "deprecated",
                "pyiceberg",
                "pyroaring",
                "mmh3",
                "strictyaml",
                "tenacity",
                "zstandard",
            ]
        ),
    )


if __name__ == "__main__":
    main()
