"""The data dictionary (docs/tables.md), generated from the table schemas, the analytic
views' SQL and the example queries.

Regenerate with `python -m newslake.warehouse.dictionary > docs/tables.md`; a test fails
when the file and the schemas drift apart.
"""

from __future__ import annotations

import pyarrow as pa

from newslake.warehouse.examples import EXAMPLES
from newslake.warehouse.schemas import TABLES
from newslake.warehouse.views import ANALYTIC_VIEWS, load_sql


def _type_name(arrow_type: pa.DataType) -> str:
    if pa.types.is_timestamp(arrow_type):
        return "timestamp (UTC)"
    if pa.types.is_list(arrow_type):
        return f"list<{_type_name(arrow_type.value_type)}>"
    if pa.types.is_struct(arrow_type):
        return "struct<" + ", ".join(f"{f.name} {_type_name(f.type)}" for f in arrow_type) + ">"
    return {
        "string": "string",
        "int32": "int32",
        "int64": "int64",
        "binary": "binary",
        "bool": "boolean",
        "double": "double",
        "date32[day]": "date",
    }[str(arrow_type)]


def tables_markdown() -> str:
    """Markdown describing every table: path, partitioning, key and columns."""
    lines = [
        "# Tables",
        "",
        "Generated from `warehouse/schemas.py` by "
        "`python -m newslake.warehouse.dictionary`; do not edit by hand.",
        "",
        "Every table is Hive-partitioned Parquet (zstd) under the lake root, and a view of the "
        "same name in `<lake>/warehouse.duckdb`.",
    ]
    for spec in TABLES.values():
        lines += [
            "",
            f"## {spec.name}",
            "",
            f"Path `{spec.path}/{spec.partition}=YYYY-MM-DD/*.parquet`; {spec.grain}.",
            "",
            "| column | type | null | meaning |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {c.name} | {_type_name(c.type)} | {'yes' if c.nullable else 'no'} | {c.doc} |"
            for c in spec.columns
        ]
        lines.append(f"| {spec.partition} | date (partition) | yes | {spec.partition_doc} |")
    lines += ["", "## Analytic views", ""]
    lines += [f"- `{name}`: {_view_doc(name)}" for name in ANALYTIC_VIEWS]
    lines += ["", "## Example queries", ""]
    for question, sql in EXAMPLES:
        lines += [f"{question}:", "", "```sql", sql, "```", ""]
    return "\n".join(lines).rstrip() + "\n"


def _view_doc(name: str) -> str:
    """The leading comment of a view's SQL, as one line."""
    comment = []
    for line in load_sql(name).splitlines():
        if not line.startswith("--"):
            break
        comment.append(line.removeprefix("--").strip())
    return " ".join(comment)


if __name__ == "__main__":
    print(tables_markdown(), end="")
