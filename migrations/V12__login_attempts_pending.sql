-- A login attempt is recorded as pending while its password is checked, then settled: a
-- failure stays (pending = false), anything else is deleted. Pending attempts make a later
-- attempt over the limit wait for them instead of counting as failures, so only actual
-- failures refuse (SPEC §2). Rows of older releases (the default) are failures, as before.
ALTER TABLE login_failures ADD COLUMN pending boolean NOT NULL DEFAULT false;
