-- The event log: one row per change, written in the change's own transaction. `document`
-- is the event as the API returns it; `dispatched` says webhook deliveries were planned.
CREATE TABLE event (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    organization_id TEXT NOT NULL REFERENCES organization (id),
    object_type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    action TEXT NOT NULL,
    lead_id TEXT,
    user_id TEXT,
    request_id TEXT,
    date_created INTEGER NOT NULL,
    date_updated INTEGER NOT NULL,
    document BLOB NOT NULL,
    dispatched INTEGER NOT NULL DEFAULT 0
);
-- One index per supported filter combination's leading column; `seq` breaks ties.
CREATE INDEX event_updated ON event (organization_id, date_updated);
CREATE INDEX event_object ON event (organization_id, object_id, date_updated);
CREATE INDEX event_type ON event (organization_id, object_type, date_updated);
CREATE INDEX event_lead ON event (organization_id, lead_id, date_updated);
CREATE INDEX event_user ON event (organization_id, user_id, date_updated);
CREATE INDEX event_request ON event (organization_id, request_id, date_updated);
CREATE INDEX event_undispatched ON event (seq) WHERE dispatched = 0;
CREATE INDEX event_age ON event (date_created);

CREATE TABLE webhook_subscription (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    organization_id TEXT NOT NULL REFERENCES organization (id),
    user_id TEXT,
    url TEXT NOT NULL,
    events BLOB NOT NULL,
    event_filter BLOB,
    verify_ssl INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'paused')),
    signature_key TEXT NOT NULL,
    date_created INTEGER NOT NULL,
    date_updated INTEGER NOT NULL,
    failing_since INTEGER
);
CREATE INDEX webhook_subscription_organization
    ON webhook_subscription (organization_id, date_created);

-- The durable delivery queue: one row per (subscription, event), its signed body built at
-- send time from `body`. A claimed row's `next_attempt_at` is its lease.
CREATE TABLE webhook_delivery (
    seq INTEGER PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organization (id),
    subscription_id TEXT NOT NULL REFERENCES webhook_subscription (id) ON DELETE CASCADE,
    event_id TEXT NOT NULL,
    body BLOB NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'dropped')),
    attempts INTEGER NOT NULL DEFAULT 0,
    date_created INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    UNIQUE (subscription_id, event_id)
);
CREATE INDEX webhook_delivery_due ON webhook_delivery (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_delivery_age ON webhook_delivery (date_created);

-- The delivery log: every attempt, its answer and how long it took.
CREATE TABLE webhook_attempt (
    seq INTEGER PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organization (id),
    subscription_id TEXT NOT NULL REFERENCES webhook_subscription (id) ON DELETE CASCADE,
    event_id TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    date_attempted INTEGER NOT NULL,
    status_code INTEGER,
    error TEXT,
    latency_ms REAL NOT NULL,
    succeeded INTEGER NOT NULL
);
CREATE INDEX webhook_attempt_subscription ON webhook_attempt (subscription_id, seq);
CREATE INDEX webhook_attempt_age ON webhook_attempt (date_attempted);
