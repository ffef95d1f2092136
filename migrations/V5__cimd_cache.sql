-- Client ID Metadata Documents, cached per their HTTP caching headers (SPEC §5).
CREATE TABLE cimd_documents (
    url         text PRIMARY KEY,
    document    jsonb NOT NULL,
    etag        text,
    fetched_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL CHECK (expires_at > fetched_at)
);
CREATE INDEX cimd_documents_expires_at_idx ON cimd_documents (expires_at);
