-- Dates whose gold/outlet_health rows differ from a fresh computation, either way: only those
-- partitions are rewritten, so a run that changed nothing rewrites nothing.
-- $fresh, $stored: the two relations; $columns: every column, the date first.
SELECT DISTINCT "date" FROM (
    (SELECT $columns FROM $fresh EXCEPT ALL SELECT $columns FROM $stored)
    UNION ALL
    (SELECT $columns FROM $stored EXCEPT ALL SELECT $columns FROM $fresh)
)
ORDER BY "date"
