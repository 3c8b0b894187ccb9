-- Idempotency-Key records (an extension, not Close): one per organization, credential and
-- key. `status` is NULL while the first request runs; its response is written in the same
-- transaction as the call it created, so a key never names a call that does not exist.
CREATE TABLE idempotency_key (
    organization_id TEXT NOT NULL REFERENCES organization (id),
    credential_id TEXT NOT NULL,
    request_key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    status INTEGER,
    response BLOB,
    PRIMARY KEY (organization_id, credential_id, request_key)
);
CREATE INDEX idempotency_key_expiry ON idempotency_key (organization_id, expires_at);

-- Rows `closecalls import` has loaded, by natural key (a provider's call id or a hash of
-- the row), written with the call: running an import again never loads a row twice.
-- WITHOUT ROWID: the key is the table, one B-tree to write per imported row, not two.
CREATE TABLE imported_row (
    organization_id TEXT NOT NULL REFERENCES organization (id),
    natural_key TEXT NOT NULL,
    activity_id TEXT NOT NULL,
    PRIMARY KEY (organization_id, natural_key)
) WITHOUT ROWID;
