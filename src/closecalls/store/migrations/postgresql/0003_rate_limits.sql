-- Rate-limit buckets shared by every server process and host on this database: one row per
-- (organization, bucket) holding the bucket's theoretical arrival time (domain/ratelimits.py).
-- UNLOGGED: no WAL, so a take never waits for a disk flush; a crash empties the table, which
-- only refills every bucket early.
CREATE UNLOGGED TABLE rate_limit_bucket (
    organization_id text NOT NULL,
    bucket text NOT NULL,
    tat double precision NOT NULL,
    PRIMARY KEY (organization_id, bucket)
);

ALTER TABLE rate_limit_bucket ENABLE ROW LEVEL SECURITY;
ALTER TABLE rate_limit_bucket FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON rate_limit_bucket
    USING (organization_id = current_setting('closecalls.organization_id', true));

-- Take one request from a key's bucket and its organization's, or from neither, in one
-- round trip: the upserts lock both rows (key first, then organization, always in that
-- order, so two takes cannot deadlock) until the statement's transaction ends.
-- Returns {allowed (1 or 0), key tat, organization tat}.
CREATE FUNCTION closecalls_take_rate(
    org text, key_bucket text, org_bucket text, now double precision,
    key_interval double precision, key_window double precision,
    org_interval double precision, org_window double precision, slack double precision
) RETURNS double precision[] LANGUAGE plpgsql AS $$
DECLARE
    key_tat double precision;
    org_tat double precision;
BEGIN
    PERFORM set_config('closecalls.organization_id', org, true);
    -- The rows are locked until commit: never hold them through a WAL flush.
    PERFORM set_config('synchronous_commit', 'off', true);
    INSERT INTO rate_limit_bucket AS b VALUES (org, key_bucket, now)
        ON CONFLICT (organization_id, bucket) DO UPDATE SET tat = b.tat
        RETURNING greatest(b.tat, now) INTO key_tat;
    INSERT INTO rate_limit_bucket AS b VALUES (org, org_bucket, now)
        ON CONFLICT (organization_id, bucket) DO UPDATE SET tat = b.tat
        RETURNING greatest(b.tat, now) INTO org_tat;
    IF key_tat + key_interval - now > key_window + slack
            OR org_tat + org_interval - now > org_window + slack THEN
        RETURN ARRAY[0, key_tat, org_tat];
    END IF;
    UPDATE rate_limit_bucket SET tat = key_tat + key_interval
        WHERE organization_id = org AND bucket = key_bucket;
    UPDATE rate_limit_bucket SET tat = org_tat + org_interval
        WHERE organization_id = org AND bucket = org_bucket;
    RETURN ARRAY[1, key_tat + key_interval, org_tat + org_interval];
END
$$;
