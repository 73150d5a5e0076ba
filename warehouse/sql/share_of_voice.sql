-- Each outlet's share of a topic's independent stories (and of its articles), overall.
SELECT
    topic,
    outlet,
    sum(stories) AS stories,
    sum(articles) AS articles,
    round(sum(stories) / sum(sum(stories)) OVER (PARTITION BY topic), 4) AS story_share,
    round(sum(articles) / sum(sum(articles)) OVER (PARTITION BY topic), 4) AS article_share
FROM coverage_daily
GROUP BY topic, outlet
