-- The same tables, columns and indexes as sqlite/0006_idempotency_imports.sql.
CREATE TABLE idempotency_key (
    organization_id text NOT NULL REFERENCES organization (id),
    credential_id text NOT NULL,
    request_key text NOT NULL,
    fingerprint text NOT NULL,
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    status integer,
    response bytea,
    PRIMARY KEY (organization_id, credential_id, request_key)
);
CREATE INDEX idempotency_key_expiry ON idempotency_key (organization_id, expires_at);

CREATE TABLE imported_row (
    organization_id text NOT NULL REFERENCES organization (id),
    natural_key text NOT NULL,
    activity_id text NOT NULL,
    PRIMARY KEY (organization_id, natural_key)
);

ALTER TABLE idempotency_key ENABLE ROW LEVEL SECURITY;
ALTER TABLE idempotency_key FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON idempotency_key
    USING (organization_id = current_setting('closecalls.organization_id', true));

ALTER TABLE imported_row ENABLE ROW LEVEL SECURITY;
ALTER TABLE imported_row FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON imported_row
    USING (organization_id = current_setting('closecalls.organization_id', true));
