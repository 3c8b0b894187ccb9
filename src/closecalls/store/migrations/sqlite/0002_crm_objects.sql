-- Leads, contacts and outcomes: documents like activities, in one table keyed by kind.
-- `parent_id` is a contact's lead. Lead statuses are fixed per organization (no table).
CREATE TABLE crm_object (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    organization_id TEXT NOT NULL REFERENCES organization (id),
    kind TEXT NOT NULL CHECK (kind IN ('lead', 'contact', 'outcome')),
    parent_id TEXT,
    date_created INTEGER NOT NULL,
    document BLOB NOT NULL
);
CREATE INDEX crm_object_kind ON crm_object (organization_id, kind, date_created);
CREATE INDEX crm_object_parent ON crm_object (organization_id, kind, parent_id, date_created);

-- Contacts' numbers in E.164, so that a call can find its contact by phone.
CREATE TABLE contact_phone (
    organization_id TEXT NOT NULL REFERENCES organization (id),
    phone TEXT NOT NULL,
    contact_id TEXT NOT NULL REFERENCES crm_object (id) ON DELETE CASCADE,
    PRIMARY KEY (organization_id, phone, contact_id)
);
CREATE INDEX contact_phone_contact ON contact_phone (contact_id);
