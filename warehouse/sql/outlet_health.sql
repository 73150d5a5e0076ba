-- gold/outlet_health: per outlet and UTC fetch day, what was collected (each URL's fate that
-- day), how complete the articles stored that day are, and flags for a day far below the
-- outlet's trailing medians. $fetch_log, $articles: the relations; the site_articles
-- relation: the counts of warehouse/sql/site_articles.sql over every log row; the site of a
-- URL: the expression of warehouse/sql/url_site.sql; $window_days and the other thresholds:
-- SQL literals from warehouse/health.py.
WITH log AS (
    SELECT fetch_date AS day, url, source, outcome, article_id, logged_at, $site AS site
    FROM $fetch_log
),
stored AS (
    SELECT article_id, outlet, title, published_at, authors, language, access,
           length(text) AS chars
    FROM $articles
),
-- The outlet a site's articles mostly carry (counted over their log rows): first as listed
-- by the same source (outlets are configured per source), then by any. It names the URLs
-- that never became an article (a 304, a failure).
site_articles AS (SELECT source, site, outlet, n FROM $site_articles),
source_site_outlets AS (
    SELECT source, site, first(outlet ORDER BY n DESC, outlet) AS outlet
    FROM site_articles GROUP BY ALL
),
site_outlets AS (
    SELECT site, first(outlet ORDER BY n DESC, outlet) AS outlet
    FROM (SELECT site, outlet, sum(n) AS n FROM site_articles GROUP BY ALL) GROUP BY ALL
),
-- Each URL once per day, however many runs logged it: fetched if any run got bytes it used
-- (the success outcomes of flows/summary.py but 304), else not_modified if any run got a 304,
-- else its last failure. So a second run the same day that changes nothing changes no row.
url_days AS (
    SELECT
        l.day,
        l.url,
        coalesce(
            min(a.outlet), min(ss.outlet), min(s.outlet),
            min(CASE WHEN NOT starts_with(l.url, 'file:') THEN nullif(l.site, '') END),
            min(l.source)
        ) AS outlet,
        CASE
            WHEN bool_or(l.outcome IN ('ok', 'updated', 'unchanged', 'duplicate')) THEN 'fetched'
            WHEN bool_or(l.outcome = 'not_modified') THEN 'not_modified'
            ELSE max({'at': l.logged_at, 'outcome': l.outcome}).outcome
        END AS fate,
        max({'at': l.logged_at, 'id': l.article_id})
            FILTER (WHERE l.outcome IN ('ok', 'updated') AND l.article_id IS NOT NULL).id
            AS stored_id
    FROM log l
    LEFT JOIN stored a USING (article_id)
    LEFT JOIN source_site_outlets ss ON ss.source = l.source AND ss.site = l.site
    LEFT JOIN site_outlets s ON s.site = l.site
    GROUP BY l.day, l.url
),
fates AS (
    SELECT day, outlet, fate, count(*) AS urls FROM url_days GROUP BY ALL
),
collected AS (
    SELECT
        day,
        outlet,
        CAST(sum(urls) AS BIGINT) AS urls_discovered,
        CAST(coalesce(sum(urls) FILTER (WHERE fate = 'fetched'), 0) AS BIGINT) AS fetched,
        CAST(coalesce(sum(urls) FILTER (WHERE fate = 'not_modified'), 0) AS BIGINT)
            AS not_modified,
        coalesce(
            list({'outcome': fate, 'urls': urls} ORDER BY fate)
                FILTER (WHERE fate NOT IN ('fetched', 'not_modified')),
            []
        ) AS failures_by_outcome
    FROM fates
    GROUP BY ALL
),
-- Articles extracted and stored that day (a feed's stub of a blocked page is not extracted).
extracted AS (
    SELECT
        u.day,
        u.outlet,
        count(*) AS articles,
        count(*) FILTER (WHERE nullif(trim(a.title), '') IS NOT NULL) / count(*)
            AS share_with_title,
        count(*) FILTER (WHERE a.published_at IS NOT NULL) / count(*) AS share_with_date,
        count(*) FILTER (WHERE len(a.authors) > 0) / count(*) AS share_with_author,
        count(*) FILTER (WHERE a.language IS NOT NULL) / count(*) AS share_with_language,
        CAST(median(a.chars) AS DOUBLE) AS median_text_chars,
        count(*) FILTER (WHERE a.access = 'teaser') / count(*) AS teaser_share
    FROM (SELECT DISTINCT day, outlet, stored_id FROM url_days WHERE stored_id IS NOT NULL) u
    JOIN stored a ON a.article_id = u.stored_id
    WHERE a.access IS DISTINCT FROM 'blocked'
    GROUP BY ALL
),
-- Every day the lake ran, for each outlet seen within the window before: an outlet that fell
-- silent (a dead feed logs nothing) is a row of zeros, and is flagged.
grid AS (
    SELECT DISTINCT r.day, c.outlet
    FROM collected c
    JOIN (SELECT DISTINCT day FROM log) r ON r.day BETWEEN c.day AND c.day + $window_days
),
days AS (
    SELECT
        g.day,
        g.outlet,
        coalesce(c.urls_discovered, 0) AS urls_discovered,
        coalesce(c.fetched, 0) AS fetched,
        coalesce(c.not_modified, 0) AS not_modified,
        coalesce(c.urls_discovered - c.fetched - c.not_modified, 0) AS failed,
        coalesce(c.failures_by_outcome, []) AS failures_by_outcome,
        c.not_modified / c.urls_discovered AS not_modified_share,
        CAST(coalesce(list_sum(
            [f.urls FOR f IN c.failures_by_outcome IF f.outcome = 'robots_disallowed']
        ), 0) AS BIGINT) AS robots_refusals,
        CAST(coalesce(list_sum(
            [f.urls FOR f IN c.failures_by_outcome IF f.outcome = 'blocked']
        ), 0) AS BIGINT) AS blocked,
        coalesce(e.articles, 0) AS articles,
        e.share_with_title,
        e.share_with_date,
        e.share_with_author,
        e.share_with_language,
        e.median_text_chars,
        e.teaser_share
    FROM grid g
    LEFT JOIN collected c USING (day, outlet)
    LEFT JOIN extracted e USING (day, outlet)
),
-- Medians over the outlet's rows in the days just before (not the day itself); shares only
-- from days with enough articles to mean something.
history AS (
    SELECT
        d.day,
        d.outlet,
        count(*) AS history_days,
        count(*) FILTER (WHERE p.articles >= $min_articles) AS share_days,
        CAST(median(p.articles) AS DOUBLE) AS trailing_articles,
        CAST(median(p.urls_discovered) AS DOUBLE) AS trailing_urls,
        median(p.share_with_title) FILTER (WHERE p.articles >= $min_articles)
            AS trailing_share_with_title,
        median(p.share_with_date) FILTER (WHERE p.articles >= $min_articles)
            AS trailing_share_with_date,
        median(p.share_with_author) FILTER (WHERE p.articles >= $min_articles)
            AS trailing_share_with_author,
        median(p.share_with_language) FILTER (WHERE p.articles >= $min_articles)
            AS trailing_share_with_language,
        median(p.median_text_chars) FILTER (WHERE p.articles >= $min_articles)
            AS trailing_median_text_chars
    FROM days d
    JOIN days p ON p.outlet = d.outlet AND p.day BETWEEN d.day - $window_days AND d.day - 1
    GROUP BY d.day, d.outlet
),
with_history AS (
    SELECT d.*, h.* EXCLUDE (day, outlet, history_days, share_days),
           coalesce(h.history_days, 0) AS history_days, coalesce(h.share_days, 0) AS share_days
    FROM days d LEFT JOIN history h USING (day, outlet)
),
checks AS (
    SELECT
        *,
        list_filter([
            CASE WHEN history_days >= $min_history_days AND trailing_articles >= $min_volume
                      AND articles < $volume_drop * trailing_articles
                 THEN printf('articles %d vs trailing median %g', articles, trailing_articles) END,
            CASE WHEN history_days >= $min_history_days AND trailing_urls >= $min_volume
                      AND urls_discovered < $volume_drop * trailing_urls
                 THEN printf('urls_discovered %d vs trailing median %g',
                             urls_discovered, trailing_urls) END
        ], lambda reason: reason IS NOT NULL) AS volume_reasons,
        CASE WHEN share_days >= $min_history_days AND articles >= $min_articles THEN list_filter([
            CASE WHEN share_with_title < trailing_share_with_title - $share_drop
                 THEN printf('share_with_title %.2f vs trailing median %.2f',
                             share_with_title, trailing_share_with_title) END,
            CASE WHEN share_with_date < trailing_share_with_date - $share_drop
                 THEN printf('share_with_date %.2f vs trailing median %.2f',
                             share_with_date, trailing_share_with_date) END,
            CASE WHEN share_with_author < trailing_share_with_author - $share_drop
                 THEN printf('share_with_author %.2f vs trailing median %.2f',
                             share_with_author, trailing_share_with_author) END,
            CASE WHEN share_with_language < trailing_share_with_language - $share_drop
                 THEN printf('share_with_language %.2f vs trailing median %.2f',
                             share_with_language, trailing_share_with_language) END,
            CASE WHEN median_text_chars < $text_drop * trailing_median_text_chars
                 THEN printf('median_text_chars %g vs trailing median %g',
                             median_text_chars, trailing_median_text_chars) END
        ], lambda reason: reason IS NOT NULL) ELSE [] END AS completeness_reasons
    FROM with_history
)
SELECT
    day AS "date",
    outlet,
    urls_discovered,
    fetched,
    not_modified,
    failed,
    failures_by_outcome,
    not_modified_share,
    robots_refusals,
    blocked,
    articles,
    share_with_title,
    share_with_date,
    share_with_author,
    share_with_language,
    median_text_chars,
    teaser_share,
    history_days,
    trailing_articles,
    trailing_urls,
    trailing_share_with_title,
    trailing_share_with_date,
    trailing_share_with_author,
    trailing_share_with_language,
    trailing_median_text_chars,
    len(volume_reasons) > 0 AS volume_anomaly,
    len(completeness_reasons) > 0 AS completeness_anomaly,
    nullif(array_to_string(volume_reasons || completeness_reasons, '; '), '') AS anomaly_reason
FROM checks
ORDER BY "date", outlet
