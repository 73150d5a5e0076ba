-- Claims stated by enough independent stories (claims.min_stories), most supported first.
SELECT
    claim_id, representative, stories, outlets, articles, first_seen, last_seen,
    outlet_order, figures, attributed_to
FROM claim_clusters
WHERE is_recurring
ORDER BY stories DESC, outlets DESC, articles DESC, first_seen, claim_id
