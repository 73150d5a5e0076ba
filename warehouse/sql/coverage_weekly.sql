-- Coverage per ISO week, outlet and topic, raw and by independent story.
SELECT
    CAST(date_trunc('week', "date") AS DATE) AS week,
    outlet,
    topic,
    sum(articles) AS articles,
    sum(stories) AS stories,
    sum(words) AS words
FROM coverage_daily
WHERE "date" IS NOT NULL
GROUP BY ALL
