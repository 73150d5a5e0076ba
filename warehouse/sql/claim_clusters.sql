-- gold/claim_clusters: one row per claim_id, from every silver claim.
-- Support counts copies of one story once (stories); outlets are listed in order of their
-- first mention, and each distinct figure with the number of sentences stating it.
-- Each part is aggregated per claim_id on its own and joined after: lists joined to every
-- claim row first would multiply them by the cluster's size.
-- $claims: the claims relation. Parameter 1: independent stories that make a claim recurring.
WITH claims AS (
    SELECT claim_id, article_id, sentence_index, story_id, outlet, text, published_at,
        quantities, attributed_to
    FROM $claims
), support AS (
    SELECT
        claim_id,
        arg_min(text, (coalesce(published_at, TIMESTAMPTZ '9999-12-31'), article_id,
            sentence_index)) AS representative,
        count(DISTINCT article_id) AS articles,
        count(DISTINCT story_id) AS stories,
        count(DISTINCT outlet) AS outlets,
        min(published_at) AS first_seen,
        max(published_at) AS last_seen
    FROM claims GROUP BY claim_id
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
    s.claim_id,
    s.representative,
    s.articles,
    s.stories,
    s.outlets,
    s.first_seen,
    s.last_seen,
    coalesce(o.outlet_order, []) AS outlet_order,
    coalesce(f.figures, []) AS figures,
    coalesce(a.attributed_to, []) AS attributed_to,
    s.stories >= ? AS is_recurring
FROM support s
LEFT JOIN outlet_order o USING (claim_id)
LEFT JOIN figures f USING (claim_id)
LEFT JOIN sources a USING (claim_id)
ORDER BY s.claim_id
