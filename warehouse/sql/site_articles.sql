-- Per source, site and outlet: the log rows whose article is stored with that outlet. The
-- outlet a site's articles mostly carry names the URLs that never became an article
-- (warehouse/sql/outlet_health.sql). $fetch_log, $articles: the relations; the site of
-- a URL: the expression of warehouse/sql/url_site.sql.
SELECT l.source, $site AS site, a.outlet, count(*) AS n
FROM (SELECT source, url, article_id FROM $fetch_log) l
JOIN (SELECT article_id, outlet FROM $articles) a USING (article_id)
WHERE a.outlet IS NOT NULL
GROUP BY ALL
