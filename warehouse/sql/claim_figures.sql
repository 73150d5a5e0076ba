-- Claims whose figures disagree: more than one value of the same kind and unit,
-- e.g. a training cost reported as USD 6 million in one outlet and USD 5.5 million in another.
SELECT
    claim_id,
    any_value(representative) AS representative,
    f.kind,
    f.unit,
    list(struct_pack(value := f.value, text := f.text, mentions := f.mentions)
        ORDER BY f.mentions DESC, f.value) AS figures,
    min(f.value) AS low,
    max(f.value) AS high,
    any_value(stories) AS stories
FROM (SELECT claim_id, representative, stories, unnest(figures) AS f FROM claim_clusters)
GROUP BY claim_id, f.kind, f.unit
HAVING count(DISTINCT f.value) > 1
ORDER BY stories DESC, claim_id, f.kind, f.unit
