-- `GET /activity/` lists every type at once: the organization's timeline in time order
-- without a sort over all its activities (the older indexes lead with the type).
CREATE INDEX activity_timeline_created ON activity (organization_id, date_created);

-- Tasks: documents with the columns their filters, views and orderings need. `date` is the
-- task's date (a day at its UTC start, or a moment) in microseconds.
CREATE TABLE task (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    organization_id TEXT NOT NULL REFERENCES organization (id),
    type TEXT NOT NULL,
    lead_id TEXT NOT NULL,
    assigned_to TEXT NOT NULL,
    is_complete INTEGER NOT NULL,
    date INTEGER NOT NULL,
    date_created INTEGER NOT NULL,
    date_updated INTEGER NOT NULL,
    document BLOB NOT NULL
);
CREATE INDEX task_type_date ON task (organization_id, type, is_complete, date);
CREATE INDEX task_lead ON task (organization_id, lead_id, date);
CREATE INDEX task_assignee ON task (organization_id, assigned_to, is_complete, date);
