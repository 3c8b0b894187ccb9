-- Lead statuses an organization changed (until then it has Close's four defaults), in order.
CREATE TABLE lead_status (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    organization_id TEXT NOT NULL REFERENCES organization (id),
    label TEXT NOT NULL,
    color TEXT,
    position INTEGER NOT NULL
);
CREATE INDEX lead_status_order ON lead_status (organization_id, position);

-- Custom field definitions per object type; values live in the objects' documents.
CREATE TABLE custom_field (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    organization_id TEXT NOT NULL REFERENCES organization (id),
    object_type TEXT NOT NULL,
    date_created INTEGER NOT NULL,
    document BLOB NOT NULL
);
CREATE INDEX custom_field_by_type ON custom_field (organization_id, object_type, date_created);

ALTER TABLE organization ADD COLUMN currency TEXT NOT NULL DEFAULT 'USD';
