-- Egress webhooks name the egress id: find its recording by source_ref.
CREATE INDEX recordings_source_ref ON recordings (source_ref) WHERE source_ref IS NOT NULL;
