-- Whether gold/claim_clusters no longer matches the claims: a run that died between its
-- two commits, or a changed claims.min_stories. The next run then rebuilds it.
-- $claims, $clusters: the two relations. Parameter 1: claims.min_stories.
SELECT
    (SELECT count(*) FROM (SELECT DISTINCT claim_id, article_id FROM $claims))
        IS DISTINCT FROM (SELECT coalesce(sum(articles), 0) FROM $clusters)
    OR EXISTS (SELECT 1 FROM $clusters WHERE is_recurring IS DISTINCT FROM (stories >= ?))
