-- Redeeming a code (grant_redemption/token_insert.rs) sets its consumed_at and grant_id. With
-- grant_id indexed, that update wrote a new entry into each of the table's five indexes and
-- checked the grant's foreign key, once per code flow. Nothing looks codes up by grant: reuse
-- is found by the code's own lookup id. The foreign key only deleted a used code with its
-- grant; an app's or a person's deletion still reaches codes through app_id and user_id, and
-- a used code whose grant was swept first (a refresh_ttl shorter than a code's life) is
-- refused when presented again as before, with nothing left to revoke. Without the index the
-- update is a heap-only tuple update, kept on the row's own page when there is room, which
-- the lower fill factor leaves: it writes no index entry.
-- Every release still reads and writes grant_id as before, so this is safe mid-rollout.
ALTER TABLE oauth2_codes DROP CONSTRAINT oauth2_codes_grant_id_fkey;
DROP INDEX oauth2_codes_grant_idx;
ALTER TABLE oauth2_codes SET (fillfactor = 70);
