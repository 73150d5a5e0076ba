-- Sites whose outlet (the majority by source and site, or by site alone, as
-- warehouse/sql/outlet_health.sql picks it) differs between two counts of site_articles.
-- $old, $new: the two relations (source, site, outlet, n).
WITH counts AS (
    SELECT 'old' AS side, source, site, outlet, n FROM $old
    UNION ALL
    SELECT 'new' AS side, source, site, outlet, n FROM $new
),
by_source AS (
    SELECT side, source, site, first(outlet ORDER BY n DESC, outlet) AS outlet
    FROM counts GROUP BY ALL
),
by_site AS (
    SELECT side, NULL AS source, site, first(outlet ORDER BY n DESC, outlet) AS outlet
    FROM (SELECT side, site, outlet, sum(n) AS n FROM counts GROUP BY ALL) GROUP BY ALL
),
picked AS (SELECT * FROM by_source UNION ALL SELECT * FROM by_site)
SELECT DISTINCT site FROM (
    (SELECT source, site, outlet FROM picked WHERE side = 'old'
     EXCEPT SELECT source, site, outlet FROM picked WHERE side = 'new')
    UNION ALL
    (SELECT source, site, outlet FROM picked WHERE side = 'new'
     EXCEPT SELECT source, site, outlet FROM picked WHERE side = 'old')
)
