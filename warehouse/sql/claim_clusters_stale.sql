-- Whether gold/claim_clusters was computed with another claims.min_stories: the next run then
-- rebuilds it. (Whether it matches the claims is read from `_runs`: see warehouse/gold.py.)
-- $clusters: the relation. Parameter 1: claims.min_stories.
SELECT EXISTS (SELECT 1 FROM $clusters WHERE is_recurring IS DISTINCT FROM (stories >= ?))
