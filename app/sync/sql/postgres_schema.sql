-- CrossCoach shared database: tables. Run by `crosscoach remote setup-postgres`
-- (as the database owner); safe to run again, and it upgrades a database set up
-- by an earlier CrossCoach in place.

CREATE SCHEMA IF NOT EXISTS crosscoach;

CREATE TABLE IF NOT EXISTS crosscoach.meta (
    key   text PRIMARY KEY,
    value text NOT NULL
);
INSERT INTO crosscoach.meta (key, value)
    VALUES ('remote_id', md5(random()::text || clock_timestamp()::text))
    ON CONFLICT (key) DO NOTHING;

-- Which PostgreSQL login acts as which CrossCoach profile. ``role`` is the role the
-- admin gave the login: the one its holder may give their own profile when they
-- publish it first; after that, roles change only through a manager's edits.
CREATE TABLE IF NOT EXISTS crosscoach.members (
    login     name PRIMARY KEY,
    person_id text NOT NULL,
    role      text NOT NULL CHECK (role IN ('rep', 'trainer', 'manager'))
);

-- Which login publishes for which device: a device id cannot be borrowed.
CREATE TABLE IF NOT EXISTS crosscoach.devices (
    device_id text PRIMARY KEY,
    login     name NOT NULL
);

-- The change log: append-only; a device reads what others appended past its mark.
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
DROP INDEX IF EXISTS crosscoach.changes_by_record;
CREATE INDEX IF NOT EXISTS changes_by_record_version
    ON crosscoach.changes (table_name, record_id, version);
CREATE INDEX IF NOT EXISTS changes_submission_media
    ON crosscoach.changes ((data ->> 'sha256')) WHERE table_name = 'submissions';
CREATE INDEX IF NOT EXISTS changes_prompt_media
    ON crosscoach.changes ((data ->> 'prompt_media_sha256')) WHERE table_name = 'scenarios';

-- Exact versions and real SHA-256 names from now on (NOT VALID: rows written by an
-- earlier CrossCoach stay as they are; every device reads those leniently).
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_constraint WHERE conname = 'changes_version_exact') THEN
        ALTER TABLE crosscoach.changes ADD CONSTRAINT changes_version_exact CHECK (
            version ~ '^[0-9]{13}\.[0-9]{5}\.[0-9a-f-]{36}$'
            AND split_part(version, '.', 3) = device_id
        ) NOT VALID;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_constraint WHERE conname = 'changes_media_names') THEN
        ALTER TABLE crosscoach.changes ADD CONSTRAINT changes_media_names CHECK (
            (data ->> 'sha256') IS NULL OR (data ->> 'sha256') ~ '^[0-9a-f]{64}$'
        ) NOT VALID;
        ALTER TABLE crosscoach.changes ADD CONSTRAINT changes_prompt_media_names CHECK (
            (data ->> 'prompt_media_sha256') IS NULL
            OR (data ->> 'prompt_media_sha256') ~ '^[0-9a-f]{64}$'
        ) NOT VALID;
    END IF;
END
$$;

-- Signed batches (once the team has a roster): one signature over the batch's changes,
-- which carry its id. Written in the same transaction as its changes.
ALTER TABLE crosscoach.changes ADD COLUMN IF NOT EXISTS batch_id text;
CREATE INDEX IF NOT EXISTS changes_by_batch ON crosscoach.changes (batch_id)
    WHERE batch_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS crosscoach.batches (
    id         text PRIMARY KEY,
    signed_by  text NOT NULL,
    public_key text NOT NULL,
    signature  text NOT NULL,
    pushed_by  name NOT NULL DEFAULT session_user
);

-- Recordings, content-addressed. Each uploader writes its own chunks; the media row
-- is written by crosscoach.publish_media only after the database itself checked
-- that the chunks hash to the name, so nobody can plant a damaged copy.
CREATE TABLE IF NOT EXISTS crosscoach.media (
    sha256      text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    suffix      text NOT NULL,
    size        bigint NOT NULL,
    uploaded_by name NOT NULL DEFAULT session_user
);
CREATE TABLE IF NOT EXISTS crosscoach.media_chunks (
    sha256      text NOT NULL,
    n           integer NOT NULL,
    data        bytea NOT NULL,
    uploaded_by name NOT NULL DEFAULT session_user
);
ALTER TABLE crosscoach.media_chunks
    ADD COLUMN IF NOT EXISTS uploaded_by name NOT NULL DEFAULT session_user;
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_constraint WHERE conname = 'media_chunks_pkey'
               AND array_length(conkey, 1) = 2) THEN
        -- chunks from before: they belong to whoever published their recording
        UPDATE crosscoach.media_chunks c SET uploaded_by = m.uploaded_by
            FROM crosscoach.media m WHERE m.sha256 = c.sha256;
        ALTER TABLE crosscoach.media_chunks DROP CONSTRAINT media_chunks_pkey;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_constraint WHERE conname = 'media_chunks_pkey') THEN
        ALTER TABLE crosscoach.media_chunks
            ADD CONSTRAINT media_chunks_pkey PRIMARY KEY (sha256, uploaded_by, n);
    END IF;
    IF NOT EXISTS (SELECT FROM pg_constraint WHERE conname = 'media_chunks_sha256_check') THEN
        ALTER TABLE crosscoach.media_chunks ADD CONSTRAINT media_chunks_sha256_check
            CHECK (sha256 ~ '^[0-9a-f]{64}$') NOT VALID;
    END IF;
END
$$;

-- A device that fetched a copy whose SHA-256 did not match says so here; the next
-- upload of that recording checks the stored copy and replaces it if it is damaged.
CREATE TABLE IF NOT EXISTS crosscoach.bad_media (
    sha256      text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    reported_by name NOT NULL DEFAULT session_user,
    reported_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (sha256, reported_by)
);
