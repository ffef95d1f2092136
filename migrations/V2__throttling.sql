-- Failed logins, counted per email and per client IP over a sliding window (SPEC §2).
CREATE TABLE login_failures (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email_normalized text NOT NULL,
    client_ip        inet,
    failed_at        timestamptz NOT NULL,
    -- A successful login stops its email's failures counting; they still count for the IP.
    counts_for_email boolean NOT NULL DEFAULT true
);
CREATE INDEX login_failures_email_idx ON login_failures (email_normalized, failed_at) WHERE counts_for_email;
CREATE INDEX login_failures_ip_idx ON login_failures (client_ip, failed_at);

-- Fixed-window counters shared by every replica (registration rate limit, CIMD fetches).
CREATE TABLE rate_limit_counters (
    bucket       text NOT NULL,
    window_start timestamptz NOT NULL,
    hits         integer NOT NULL CHECK (hits > 0),
    PRIMARY KEY (bucket, window_start)
);
CREATE INDEX rate_limit_counters_window_idx ON rate_limit_counters (window_start);
