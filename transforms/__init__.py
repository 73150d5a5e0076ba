"""Pure transformations: bytes and records in, records out (no I/O, no clock, no Prefect)."""
