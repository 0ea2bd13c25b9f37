-- CrossCoach shared database: tables. Run by `crosscoach remote setup-postgres`
-- (as the database owner); safe to run again.

CREATE SCHEMA IF NOT EXISTS crosscoach;

CREATE TABLE IF NOT EXISTS crosscoach.meta (
    key   text PRIMARY KEY,
    value text NOT NULL
);
INSERT INTO crosscoach.meta (key, value)
    VALUES ('remote_id', md5(random()::text || clock_timestamp()::text))
    ON CONFLICT (key) DO NOTHING;

-- Which PostgreSQL login acts as which CrossCoach profile, and with which role.
CREATE TABLE IF NOT EXISTS crosscoach.members (
    login     name PRIMARY KEY,
    person_id text NOT NULL,
    role      text NOT NULL CHECK (role IN ('rep', 'trainer', 'manager'))
);

-- The change log: append-only; a device reads what others appended past its cursor.
CREATE TABLE IF NOT EXISTS crosscoach.changes (
    seq        bigserial PRIMARY KEY,
    device_id  text NOT NULL,
    table_name text NOT NULL,
    record_id  text NOT NULL,
    version    text NOT NULL,
    author_id  text,
    deleted    boolean NOT NULL,
    data       jsonb NOT NULL,
    pushed_by  name NOT NULL DEFAULT session_user,
    pushed_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS changes_by_record ON crosscoach.changes (table_name, record_id, seq);

-- Recordings, content-addressed; a media row is written only once all its chunks are in.
CREATE TABLE IF NOT EXISTS crosscoach.media (
    sha256      text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    suffix      text NOT NULL,
    size        bigint NOT NULL,
    uploaded_by name NOT NULL DEFAULT session_user
);
CREATE TABLE IF NOT EXISTS crosscoach.media_chunks (
    sha256 text NOT NULL,
    n      integer NOT NULL,
    data   bytea NOT NULL,
    PRIMARY KEY (sha256, n)
);
