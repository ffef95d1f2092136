-- Whether a dynamically registered client sent `client_name` (RFC 7592 reads must return
-- the metadata as registered; `name` holds a placeholder when it did not).
ALTER TABLE oauth2_apps ADD COLUMN client_name_given boolean NOT NULL DEFAULT true;
