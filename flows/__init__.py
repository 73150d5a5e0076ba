"""Prefect flows, sources and the `newslake` command line."""
