-- CrossCoach shared database: who may connect, read and write. Safe to run again.
--
-- {team} is this database's own group role (every member login is in it) and
-- {database} the database: a team's logins reach only their own database.
-- Nobody but the owner may UPDATE, DELETE or TRUNCATE the change log: it only
-- grows. An INSERT passes only if crosscoach.may_push says the person behind
-- the login may publish that version; it explains a refusal in plain words.
-- The rules are the same as app/sync/permissions.py, which every device
-- applies again to what it pulls.

DROP POLICY IF EXISTS push_allowed ON crosscoach.changes;
DROP FUNCTION IF EXISTS crosscoach.may_push(text, text, text, jsonb);  -- an earlier version

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{team}') THEN
        CREATE ROLE "{team}" NOLOGIN;
    END IF;
END
$$;

REVOKE ALL ON DATABASE "{database}" FROM PUBLIC;
GRANT CONNECT ON DATABASE "{database}" TO "{team}";
REVOKE ALL ON SCHEMA crosscoach FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA crosscoach FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA crosscoach FROM PUBLIC;

-- Earlier versions shared two roles among every database on the server: their
-- logins move to this database's own role, and the shared roles lose all rights here.
DO $$
DECLARE
    old text;
    login name;
BEGIN
    FOREACH old IN ARRAY ARRAY['crosscoach_rep', 'crosscoach_trainer'] LOOP
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = old) THEN
            FOR login IN SELECT m.login FROM crosscoach.members m
                         JOIN pg_roles r ON r.rolname = m.login LOOP
                EXECUTE format('REVOKE %I FROM %I', old, login);
            END LOOP;
            EXECUTE format('REVOKE ALL ON DATABASE %I FROM %I', current_database(), old);
            EXECUTE format('REVOKE ALL ON SCHEMA crosscoach FROM %I', old);
            EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA crosscoach FROM %I', old);
            EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA crosscoach FROM %I', old);
            EXECUTE format('REVOKE ALL ON ALL FUNCTIONS IN SCHEMA crosscoach FROM %I', old);
        END IF;
    END LOOP;
    FOR login IN SELECT m.login FROM crosscoach.members m
                 JOIN pg_roles r ON r.rolname = m.login LOOP
        EXECUTE format('GRANT %I TO %I', '{team}', login);
    END LOOP;
END
$$;

GRANT USAGE ON SCHEMA crosscoach TO "{team}";
GRANT SELECT ON crosscoach.meta TO "{team}";
GRANT SELECT, INSERT ON crosscoach.changes TO "{team}";
GRANT USAGE ON SEQUENCE crosscoach.changes_seq_seq TO "{team}";
GRANT SELECT ON crosscoach.media TO "{team}";
GRANT SELECT, INSERT, DELETE ON crosscoach.media_chunks TO "{team}";
GRANT SELECT, INSERT ON crosscoach.bad_media TO "{team}";
GRANT SELECT, INSERT ON crosscoach.batches TO "{team}";

-- Refuse a push in plain words (SQLSTATE 42501, like any permission refusal).
CREATE OR REPLACE FUNCTION crosscoach.refuse(reason text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = '42501', MESSAGE = reason;
END
$$;

-- The role a person had just before a version, from the published versions of
-- their profile: NULL when none is older, 'removed' when the profile was deleted.
CREATE OR REPLACE FUNCTION crosscoach.role_at(person text, v text) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, crosscoach AS $$
    SELECT CASE WHEN (c.data ->> 'deleted')::boolean THEN 'removed' ELSE c.data ->> 'role' END
    FROM crosscoach.changes c
    WHERE c.table_name = 'people' AND c.record_id = person AND c.version < v
    ORDER BY c.version DESC LIMIT 1
$$;

-- The person behind this session's login (NULL for a login that is no one's).
CREATE OR REPLACE FUNCTION crosscoach.me() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, crosscoach AS $$
    SELECT m.person_id FROM crosscoach.members m WHERE m.login = session_user
$$;

-- Did anything but the stamps and the allowed columns change from prev to d?
CREATE OR REPLACE FUNCTION crosscoach.changed(d jsonb, prev jsonb, allowed text[])
RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
    SELECT (d - allowed - ARRAY['version', 'updated_at', 'device_id', 'edited_by'])
        IS DISTINCT FROM (prev - allowed - ARRAY['version', 'updated_at', 'device_id', 'edited_by'])
$$;

-- May the person behind this login publish this version of this record? True, or an
-- exception with the reason. VOLATILE: each row sees the rows pushed before it.
CREATE OR REPLACE FUNCTION crosscoach.may_push(
    t text, rid text, v text, author text, dev text, d jsonb)
RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, crosscoach
AS $$
DECLARE
    me          text;
    login_role  text;
    my_role     text;
    device_of   name;
    prev        jsonb;
    live        jsonb;
    owner       text;
    reviewer    boolean;
BEGIN
    SELECT m.person_id, m.role INTO me, login_role
        FROM crosscoach.members m WHERE m.login = session_user;
    IF me IS NULL THEN
        RETURN crosscoach.refuse('your login is not a member of this team');
    END IF;
    INSERT INTO crosscoach.devices (device_id, login) VALUES (dev, session_user)
        ON CONFLICT (device_id) DO NOTHING;
    SELECT x.login INTO device_of FROM crosscoach.devices x WHERE x.device_id = dev;
    IF device_of <> session_user THEN
        RETURN crosscoach.refuse('it names a device that publishes with another login');
    END IF;
    IF substr(v, 1, 13)::bigint
            > (extract(epoch FROM clock_timestamp()) * 1000)::bigint + 86400000 THEN
        RETURN crosscoach.refuse(
            'it is dated more than a day ahead of the database server''s clock');
    END IF;
    IF (d ->> 'edited_by') IS NOT NULL AND d ->> 'edited_by' <> me THEN
        RETURN crosscoach.refuse('it names someone else as the person who made it');
    END IF;
    SELECT c.data INTO prev FROM crosscoach.changes c
        WHERE c.table_name = t AND c.record_id = rid AND c.version < v
        ORDER BY c.version DESC LIMIT 1;
    live := CASE WHEN prev IS NOT NULL AND NOT (prev ->> 'deleted')::boolean THEN prev END;

    IF t = 'people' AND rid = me AND prev IS NULL THEN
        -- one's own profile, published for the first time: with the role the admin gave
        IF d ->> 'role' IS DISTINCT FROM login_role THEN
            RETURN crosscoach.refuse(format(
                'your profile must have the role the team database gives your login (%s)',
                login_role));
        END IF;
        RETURN true;
    END IF;
    my_role := crosscoach.role_at(me, v);
    IF my_role IS NULL THEN
        RETURN crosscoach.refuse('your profile is not in the team database yet');
    ELSIF my_role = 'removed' THEN
        RETURN crosscoach.refuse('your profile was removed from the team');
    END IF;
    reviewer := my_role IN ('trainer', 'manager');

    IF t <> 'teams' THEN
        IF live IS NOT NULL AND (live ->> 'author_id') IS DISTINCT FROM author THEN
            RETURN crosscoach.refuse('a record keeps the author who made it');
        END IF;
        -- (no author: one's own new profile, or an edit of a built-in record, which every
        -- device loads itself, so the database holds no earlier version of it)
        IF prev IS NULL AND author IS DISTINCT FROM me AND NOT (author IS NULL AND t IN (
                'people', 'products', 'cross_sells', 'rubrics', 'rubric_criteria', 'scenarios'))
        THEN
            RETURN crosscoach.refuse('a new record''s author must be the person who made it');
        END IF;
    END IF;

    IF t = 'people' THEN
        IF live IS NULL THEN
            IF reviewer OR d ->> 'role' = 'rep' THEN RETURN true; END IF;
            RETURN crosscoach.refuse('only trainers and managers add trainers and managers');
        ELSIF (d ->> 'deleted')::boolean THEN
            IF reviewer THEN RETURN true; END IF;
            RETURN crosscoach.refuse('only trainers and managers remove people');
        ELSIF d ->> 'role' IS DISTINCT FROM live ->> 'role' AND my_role <> 'manager' THEN
            RETURN crosscoach.refuse('only managers change someone''s role');
        ELSIF rid = me OR reviewer THEN
            RETURN true;
        END IF;
        RETURN crosscoach.refuse('only the person, a trainer or a manager changes a profile');
    ELSIF t = 'teams' THEN
        IF live IS NULL OR (d ->> 'name' = live ->> 'name' AND NOT (d ->> 'deleted')::boolean)
                OR reviewer THEN
            RETURN true;
        END IF;
        RETURN crosscoach.refuse('only trainers and managers change teams');
    ELSIF t = 'submissions' THEN
        IF live IS NULL THEN
            IF d ->> 'person_id' IS DISTINCT FROM me THEN
                RETURN crosscoach.refuse('a take can only be handed in by its rep');
            ELSIF d ->> 'status' <> 'new' OR coalesce(d ->> 'decision_reason', '') <> '' THEN
                RETURN crosscoach.refuse('a take is handed in without a decision');
            END IF;
            RETURN true;
        ELSIF d ->> 'person_id' IS DISTINCT FROM live ->> 'person_id' THEN
            RETURN crosscoach.refuse('a take cannot change hands');
        ELSIF reviewer AND NOT crosscoach.changed(
                d, live, ARRAY['status', 'decision_reason', 'deleted']) THEN
            RETURN true;
        ELSIF d ->> 'person_id' = me AND NOT crosscoach.changed(
                d, live, ARRAY['note', 'self_scores', 'deleted']) THEN
            RETURN true;
        ELSIF d ->> 'person_id' = me THEN
            RETURN crosscoach.refuse('a rep cannot decide on their own take');
        END IF;
        RETURN crosscoach.refuse('only the rep and trainers change a handed-in take');
    ELSIF t = 'reviews' THEN
        IF d ->> 'reviewer_id' IS DISTINCT FROM me OR author IS DISTINCT FROM me THEN
            RETURN crosscoach.refuse('a review can only be written by its reviewer');
        ELSIF NOT reviewer THEN
            RETURN crosscoach.refuse('only trainers and managers write reviews');
        END IF;
        RETURN true;
    ELSIF t = 'comments' THEN
        IF author IS DISTINCT FROM me THEN
            RETURN crosscoach.refuse('only the person who wrote a comment changes it');
        END IF;
        RETURN true;
    ELSIF t = 'top_videos' THEN
        IF reviewer THEN
            IF (d ->> 'consent' = 'pending' AND (d ->> 'consent_at') IS NULL)
                    OR (live IS NOT NULL AND d -> 'consent' = live -> 'consent'
                        AND d -> 'consent_at' = live -> 'consent_at') THEN
                RETURN true;
            END IF;
            RETURN crosscoach.refuse('only the rep in the video agrees to share it');
        END IF;
        SELECT s.data ->> 'person_id' INTO owner FROM crosscoach.changes s
            WHERE s.table_name = 'submissions' AND s.record_id = d ->> 'submission_id'
            ORDER BY s.version LIMIT 1;
        IF owner = me THEN
            IF live IS NULL THEN
                RETURN crosscoach.refuse('only trainers and managers mark Top Videos');
            ELSIF crosscoach.changed(d, live, ARRAY['consent', 'consent_at']) THEN
                RETURN crosscoach.refuse('the rep only answers whether the video may be shared');
            END IF;
            RETURN true;
        END IF;
        RETURN crosscoach.refuse('only trainers and managers mark Top Videos');
    ELSIF t = 'roster' THEN              -- whose signatures count: managers decide
        IF my_role = 'manager' THEN RETURN true; END IF;
        RETURN crosscoach.refuse('only managers add people to the team''s roster');
    ELSIF t = 'join_requests' THEN       -- one's own request to join
        IF d ->> 'person_id' = me THEN RETURN true; END IF;
        RETURN crosscoach.refuse('a request to join is made by the person who asks');
    ELSIF t IN ('products', 'cross_sells', 'rubrics', 'rubric_criteria', 'scenarios',
                'assignments', 'rewards') THEN
        IF reviewer THEN RETURN true; END IF;
        RETURN crosscoach.refuse(
            format('only trainers and managers change %s', replace(t, '_', ' ')));
    END IF;
    RETURN crosscoach.refuse('it is a kind of record CrossCoach does not sync');
END
$$;

ALTER TABLE crosscoach.changes ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS read_team ON crosscoach.changes;
CREATE POLICY read_team ON crosscoach.changes FOR SELECT TO "{team}" USING (true);
CREATE POLICY push_allowed ON crosscoach.changes FOR INSERT TO "{team}"
    WITH CHECK (
        pushed_by = session_user
        AND data ->> 'id' = record_id
        AND data ->> 'version' = version
        AND data ->> 'device_id' = device_id
        AND (data ->> 'author_id') IS NOT DISTINCT FROM author_id
        AND (data -> 'deleted') = to_jsonb(deleted)
        AND crosscoach.may_push(table_name, record_id, version, author_id, device_id, data)
    );

-- Recordings: a login uploads the recordings of records it published, into chunks
-- of its own; crosscoach.publish_media checks them before anyone can fetch them.
CREATE OR REPLACE FUNCTION crosscoach.may_upload(sha text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, crosscoach AS $$
    SELECT EXISTS (
        SELECT 1 FROM crosscoach.changes c
        WHERE c.pushed_by = session_user
          AND ((c.table_name = 'submissions' AND c.data ->> 'sha256' = sha)
            OR (c.table_name = 'scenarios' AND c.data ->> 'prompt_media_sha256' = sha)))
$$;

-- Is the stored copy of this recording whole? (Its chunks hash to its name.)
CREATE OR REPLACE FUNCTION crosscoach.media_ok(sha text, uploader name) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, crosscoach AS $$
    SELECT coalesce(encode(sha256(string_agg(c.data, ''::bytea ORDER BY c.n)), 'hex') = sha, false)
    FROM crosscoach.media_chunks c WHERE c.sha256 = sha AND c.uploaded_by = uploader
$$;

-- A copy was reported damaged: check it; if it really is, remove it so its owner's
-- next upload replaces it. True when the stored copy is whole (reports cleared).
CREATE OR REPLACE FUNCTION crosscoach.recheck_media(sha text) RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, crosscoach AS $$
DECLARE
    uploader name;
BEGIN
    SELECT m.uploaded_by INTO uploader FROM crosscoach.media m WHERE m.sha256 = sha;
    IF uploader IS NOT NULL AND crosscoach.media_ok(sha, uploader) THEN
        DELETE FROM crosscoach.bad_media b WHERE b.sha256 = sha;
        RETURN true;
    END IF;
    DELETE FROM crosscoach.media m WHERE m.sha256 = sha;
    DELETE FROM crosscoach.media_chunks c WHERE c.sha256 = sha AND c.uploaded_by = uploader;
    RETURN false;
END
$$;

-- Make this login's uploaded chunks the recording everyone fetches, once the
-- database has checked they hash to its name.
CREATE OR REPLACE FUNCTION crosscoach.publish_media(sha text, sfx text, total bigint)
RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, crosscoach AS $$
BEGIN
    IF NOT crosscoach.media_ok(sha, session_user) THEN
        DELETE FROM crosscoach.media_chunks c
            WHERE c.sha256 = sha AND c.uploaded_by = session_user;
        RAISE EXCEPTION USING ERRCODE = '22000',
            MESSAGE = 'the uploaded copy of a recording did not match its SHA-256';
    END IF;
    IF sfx !~ '^\.[a-z0-9]{1,8}$' THEN
        RAISE EXCEPTION USING ERRCODE = '22000', MESSAGE = 'a recording has an unusual name';
    END IF;
    IF EXISTS (SELECT FROM crosscoach.media m WHERE m.sha256 = sha) THEN
        IF crosscoach.recheck_media(sha) THEN
            RETURN true;  -- a whole copy is already there
        END IF;
    END IF;
    INSERT INTO crosscoach.media (sha256, suffix, size, uploaded_by)
        VALUES (sha, sfx, total, session_user);
    DELETE FROM crosscoach.bad_media b WHERE b.sha256 = sha;
    RETURN true;
END
$$;

ALTER TABLE crosscoach.media_chunks ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS read_team ON crosscoach.media_chunks;
CREATE POLICY read_team ON crosscoach.media_chunks FOR SELECT TO "{team}" USING (true);
DROP POLICY IF EXISTS upload_own ON crosscoach.media_chunks;
CREATE POLICY upload_own ON crosscoach.media_chunks FOR INSERT TO "{team}"
    WITH CHECK (uploaded_by = session_user AND crosscoach.may_upload(sha256));
DROP POLICY IF EXISTS remove_own ON crosscoach.media_chunks;
CREATE POLICY remove_own ON crosscoach.media_chunks FOR DELETE TO "{team}"
    USING (uploaded_by = session_user);

-- A batch's signature is the pusher's own (every device checks the signature itself).
ALTER TABLE crosscoach.batches ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS read_team ON crosscoach.batches;
CREATE POLICY read_team ON crosscoach.batches FOR SELECT TO "{team}" USING (true);
DROP POLICY IF EXISTS sign_own ON crosscoach.batches;
CREATE POLICY sign_own ON crosscoach.batches FOR INSERT TO "{team}"
    WITH CHECK (pushed_by = session_user AND signed_by = crosscoach.me());

ALTER TABLE crosscoach.bad_media ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS read_team ON crosscoach.bad_media;
CREATE POLICY read_team ON crosscoach.bad_media FOR SELECT TO "{team}" USING (true);
DROP POLICY IF EXISTS report_own ON crosscoach.bad_media;
CREATE POLICY report_own ON crosscoach.bad_media FOR INSERT TO "{team}"
    WITH CHECK (reported_by = session_user);

-- Functions are created executable by everyone; only this team may call them.
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA crosscoach FROM PUBLIC;
GRANT EXECUTE ON FUNCTION crosscoach.may_push(text, text, text, text, text, jsonb) TO "{team}";
GRANT EXECUTE ON FUNCTION crosscoach.me() TO "{team}";
GRANT EXECUTE ON FUNCTION crosscoach.may_upload(text) TO "{team}";
GRANT EXECUTE ON FUNCTION crosscoach.recheck_media(text) TO "{team}";
GRANT EXECUTE ON FUNCTION crosscoach.publish_media(text, text, bigint) TO "{team}";
