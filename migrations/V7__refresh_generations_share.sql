-- A refresh token redeemed again within tokens.refresh_reuse_grace gets a sibling in the
-- current generation (SPEC §4), so a generation may hold several tokens. Refreshes of one
-- grant are serialized by locking the grant's row instead of by this constraint.
ALTER TABLE oauth2_refresh_tokens DROP CONSTRAINT oauth2_refresh_tokens_grant_id_generation_key;
CREATE INDEX oauth2_refresh_tokens_grant_generation_idx ON oauth2_refresh_tokens (grant_id, generation);
