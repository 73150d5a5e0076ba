"""newslake: scheduled news ingestion into a Parquet data lake, queried with DuckDB.

The code lives in three packages: `newslake.transforms` (pure decisions),
`newslake.warehouse` (all lake I/O) and `newslake.flows` (Prefect flows and the CLI).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("newslake")
except PackageNotFoundError:  # imported from a checkout that was never installed
    __version__ = "0.0.0+unknown"
