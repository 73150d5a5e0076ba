-- Outlet-days flagged in gold/outlet_health, newest first: collection that fell far below
-- the outlet's trailing median (a dead feed, a blocked crawler) or articles missing fields
-- they used to have (a parser that silently broke), with the reason.
SELECT
    "date",
    outlet,
    volume_anomaly,
    completeness_anomaly,
    anomaly_reason,
    urls_discovered,
    fetched,
    failed,
    articles,
    share_with_title,
    share_with_date
FROM outlet_health
WHERE volume_anomaly OR completeness_anomaly
ORDER BY "date" DESC, outlet
