-- Dates whose gold/coverage_daily rows do not add up to the articles (a run that died
-- between its two commits leaves such dates); they are recomputed by the next run.
-- $articles, $coverage: the two relations.
WITH expected AS (
    SELECT coalesce(CAST(published_date AS VARCHAR), 'undated') AS day,
           sum(greatest(len(topics), 1)) AS n
    FROM $articles GROUP BY ALL
), actual AS (
    SELECT coalesce(CAST("date" AS VARCHAR), 'undated') AS day, sum(articles) AS n
    FROM $coverage GROUP BY ALL
)
SELECT coalesce(e.day, a.day) AS day
FROM expected e FULL OUTER JOIN actual a USING (day)
WHERE e.n IS DISTINCT FROM a.n
