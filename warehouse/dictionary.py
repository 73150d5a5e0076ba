"""The data dictionary (docs/tables.md), generated from the table schemas.

Regenerate with `python -m newslake.warehouse.dictionary > docs/tables.md`; a test fails
when the file and the schemas drift apart.
"""

from __future__ import annotations

import pyarrow as pa

from newslake.warehouse.schemas import TABLES


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
            f"Path `{spec.path}/{spec.partition}=YYYY-MM-DD/*.parquet`"
            + (f"; one row per `{spec.key}`." if spec.key else "; one row per input per run."),
            "",
            "| column | type | null | meaning |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {c.name} | {_type_name(c.type)} | {'yes' if c.nullable else 'no'} | {c.doc} |"
            for c in spec.columns
        ]
        lines.append(f"| {spec.partition} | date (partition) | yes | {spec.partition_doc} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(tables_markdown(), end="")
