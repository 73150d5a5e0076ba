-- Articles whose is_story_canonical flag is wrong: each story's representative is its
-- earliest published article, then the longest, then the lowest article_id.
-- $articles: the articles relation, read with filename = true.
SELECT filename, article_id
FROM (
    SELECT
        filename,
        article_id,
        is_story_canonical,
        row_number() OVER (
            PARTITION BY story_id
            ORDER BY published_at ASC NULLS LAST, word_count DESC, article_id
        ) = 1 AS should_be
    FROM $articles
)
WHERE is_story_canonical IS DISTINCT FROM should_be
ORDER BY filename, article_id
