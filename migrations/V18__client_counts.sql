-- How many dynamically registered and document (CIMD) clients exist, kept by triggers in 16
-- rows, so that `registration.max_clients` is checked by summing 16 rows instead of counting
-- every client in each registration (a count that grew with the table: ~8 ms at 20,000
-- clients, most of a registration's PostgreSQL time). Each connection adds to the row of its
-- backend (pg_backend_pid() % 16), so concurrent registrations rarely wait on one row lock.
CREATE TABLE oauth2_client_counts (
    shard   smallint PRIMARY KEY CHECK (shard BETWEEN 0 AND 15),
    clients bigint NOT NULL
);

INSERT INTO oauth2_client_counts (shard, clients)
SELECT s, CASE WHEN s = 0 THEN (SELECT count(*) FROM oauth2_apps WHERE source IN ('dynamic', 'cimd'))
               ELSE 0 END
FROM generate_series(0, 15) AS s;

CREATE FUNCTION oauth2_client_counts_add(delta bigint) RETURNS void LANGUAGE sql AS $$
    UPDATE oauth2_client_counts SET clients = clients + delta
    WHERE shard = pg_backend_pid() % 16 AND delta <> 0
$$;

CREATE FUNCTION oauth2_client_counts_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM oauth2_client_counts_add((SELECT count(*) FROM added WHERE source IN ('dynamic', 'cimd')));
    RETURN NULL;
END
$$;

CREATE FUNCTION oauth2_client_counts_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM oauth2_client_counts_add(-(SELECT count(*) FROM removed WHERE source IN ('dynamic', 'cimd')));
    RETURN NULL;
END
$$;

-- No code changes a client's source; should anything ever do so, the count follows.
CREATE FUNCTION oauth2_client_counts_source_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM oauth2_client_counts_add((NEW.source IN ('dynamic', 'cimd'))::int
                                     - (OLD.source IN ('dynamic', 'cimd'))::int);
    RETURN NULL;
END
$$;

CREATE TRIGGER oauth2_client_counts_inserted AFTER INSERT ON oauth2_apps
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT
    EXECUTE FUNCTION oauth2_client_counts_inserted();
CREATE TRIGGER oauth2_client_counts_deleted AFTER DELETE ON oauth2_apps
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT
    EXECUTE FUNCTION oauth2_client_counts_deleted();
CREATE TRIGGER oauth2_client_counts_source_changed AFTER UPDATE OF source ON oauth2_apps
    FOR EACH ROW WHEN (OLD.source IS DISTINCT FROM NEW.source)
    EXECUTE FUNCTION oauth2_client_counts_source_changed();
