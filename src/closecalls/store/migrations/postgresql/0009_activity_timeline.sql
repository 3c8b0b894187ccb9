-- `GET /activity/` lists every type at once: the organization's timeline in time order
-- without a sort over all its activities (the older indexes lead with the type).
CREATE INDEX activity_timeline_created ON activity (organization_id, date_created, seq);
