"""All lake I/O: table schemas, atomic Parquet commits, the writer lock, DuckDB views."""
