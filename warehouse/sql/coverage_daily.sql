-- gold/coverage_daily rows for some dates: one row per date x outlet x topic x access.
-- An article counts once under each topic it matches, or once under '(none)'.
-- $articles: the articles relation. Parameter 1: the dates to compute, as 'YYYY-MM-DD'
-- strings, with 'undated' standing for articles without a publication date.
SELECT
    published_date AS "date",
    coalesce(outlet, '(unknown)') AS outlet,
    topic,
    coalesce(access, 'full') AS access,
    count(*) AS articles,
    count(DISTINCT story_id) AS stories,
    sum(word_count) AS words
FROM (
    SELECT
        published_date, outlet, story_id, word_count, access,
        unnest(CASE WHEN len(topics) = 0 THEN ['(none)'] ELSE topics END) AS topic
    FROM $articles
    WHERE list_contains(?, coalesce(CAST(published_date AS VARCHAR), 'undated'))
)
GROUP BY ALL
ORDER BY ALL
