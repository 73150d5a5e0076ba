-- gold/claim_clusters: one row per claim_id, from every silver claim.
-- Support counts copies of one story once (stories); outlets are listed in order of their
-- first mention, and each distinct figure with the number of sentences stating it.
-- $claims: the claims relation. Parameter 1: independent stories that make a claim recurring.
WITH claims AS (
    SELECT * FROM $claims
), outlet_first AS (
    SELECT claim_id, outlet, min(published_at) AS first_at
    FROM claims WHERE outlet IS NOT NULL GROUP BY ALL
), outlet_order AS (
    SELECT claim_id, list(outlet ORDER BY first_at NULLS LAST, outlet) AS outlet_order
    FROM outlet_first GROUP BY ALL
), figures AS (
    SELECT
        claim_id,
        list(
            struct_pack(kind, unit, value, text, mentions) ORDER BY kind, unit, value
        ) AS figures
    FROM (
        SELECT
            claim_id, q.kind AS kind, q.unit AS unit, q.value AS value,
            min(q.text) AS text, count(*) AS mentions
        FROM (SELECT claim_id, unnest(quantities) AS q FROM claims)
        GROUP BY ALL
    )
    GROUP BY ALL
), sources AS (
    SELECT claim_id, list(DISTINCT attributed_to ORDER BY attributed_to) AS attributed_to
    FROM claims WHERE attributed_to IS NOT NULL GROUP BY ALL
)
SELECT
    c.claim_id,
    arg_min(c.text, (coalesce(c.published_at, TIMESTAMPTZ '9999-12-31'), c.article_id,
        c.sentence_index)) AS representative,
    count(DISTINCT c.article_id) AS articles,
    count(DISTINCT c.story_id) AS stories,
    count(DISTINCT c.outlet) AS outlets,
    min(c.published_at) AS first_seen,
    max(c.published_at) AS last_seen,
    coalesce(any_value(o.outlet_order), []) AS outlet_order,
    coalesce(any_value(f.figures), []) AS figures,
    coalesce(any_value(s.attributed_to), []) AS attributed_to,
    count(DISTINCT c.story_id) >= ? AS is_recurring
FROM claims c
LEFT JOIN outlet_order o USING (claim_id)
LEFT JOIN figures f USING (claim_id)
LEFT JOIN sources s USING (claim_id)
GROUP BY c.claim_id
ORDER BY c.claim_id
