"""Gold rows staged from DuckDB as Arrow, one partition after another: no Python object per
row, and one partition's rows in memory at a time."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from newslake.warehouse.lake import Commit, partition_dir
from newslake.warehouse.schemas import TableSpec

BATCH_ROWS = 65_536  # rows fetched from DuckDB at a time


def stage_by_partition(
    commit: Commit, spec: TableSpec, result: duckdb.DuckDBPyRelation, order: str
) -> int:
    """Stage the rows of a query (a relation) into `spec`'s table; returns how many.

    The query orders its rows by column `order`, whose runs of equal values are the table's
    partitions (e.g. the partition's date), so each partition's file is written and closed
    before the next one's rows arrive. Columns outside the table's schema only serve to name
    the partition; the others are cast to the schema."""
    staged = commit.tables[spec.name]
    current: str | None = None
    count = 0
    for batch in result.to_arrow_reader(BATCH_ROWS):
        if not batch.num_rows:
            continue
        rows = pa.Table.from_batches([batch]).select(spec.schema.names).cast(spec.schema)
        start = 0
        for end in pc.run_end_encode(batch.column(order)).run_ends.to_pylist():
            name = partition_dir(spec, batch.slice(start, 1).to_pylist()[0])
            if name != current and current is not None:
                staged.finish(current)
            current = name
            staged.add_arrow(name, rows.slice(start, end - start))
            start = end
        count += batch.num_rows
    if current is not None:
        staged.finish(current)
    return count
