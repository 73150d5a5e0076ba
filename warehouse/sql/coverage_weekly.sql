-- Coverage per ISO week, outlet, topic and access (full, teaser, blocked), raw and by
-- independent story. Filter on access to leave teasers out.
SELECT
    CAST(date_trunc('week', "date") AS DATE) AS week,
    outlet,
    topic,
    access,
    sum(articles) AS articles,
    sum(stories) AS stories,
    sum(words) AS words
FROM coverage_daily
WHERE "date" IS NOT NULL
GROUP BY ALL
