-- Where the URL in column `url` lives: its host on the web (no www., no port), its folder
-- for a file. An expression, filled into the queries that group URLs by site.
CASE
    WHEN starts_with(url, 'file:') THEN regexp_replace(url, '/[^/]*$$', '')
    ELSE lower(regexp_replace(
        split_part(split_part(url, '/', 3), '@', -1), '^www\.|:[0-9]*$$', '', 'g'
    ))
END
