from newslake.warehouse.engine import work_connection


def test_a_work_connection_is_memory_bounded_and_spills_under_the_given_dir(tmp_path):
    spill = tmp_path / "staging" / "spill"
    con = work_connection(spill)
    try:
        settings = dict(
            con.execute(
                "SELECT name, value FROM duckdb_settings() "
                "WHERE name IN ('memory_limit', 'temp_directory', 'TimeZone', "
                "'enable_progress_bar')"
            ).fetchall()
        )
        # A sort larger than the limit completes by spilling there.
        con.execute("SET memory_limit = '32MB'")
        rows = con.execute(
            "SELECT count(*) FROM (SELECT i, repeat('x', 100) AS pad FROM range(3000000) t(i) "
            "ORDER BY hash(i))"
        ).fetchall()
    finally:
        con.close()
    assert settings["memory_limit"].startswith(("244", "256"))  # DuckDB reports MiB
    assert settings["temp_directory"] == str(spill)
    assert settings["TimeZone"] == "UTC"
    assert settings["enable_progress_bar"] == "false"  # nothing drawn into a run's log
    assert rows == [(3_000_000,)]
    assert spill.is_dir()
