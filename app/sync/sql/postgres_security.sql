-- CrossCoach shared database: roles and row-level security. Safe to run again.
--
-- Every person logs in with their own PostgreSQL login, mapped to their profile
-- in crosscoach.members and made a member of crosscoach_rep or crosscoach_trainer.
-- Nobody but the owner may UPDATE, DELETE or TRUNCATE: the change log only grows.
-- An INSERT passes only if crosscoach.may_push says this login may write that record.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'crosscoach_rep') THEN
        CREATE ROLE crosscoach_rep NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'crosscoach_trainer') THEN
        CREATE ROLE crosscoach_trainer NOLOGIN;
    END IF;
END
$$;

REVOKE ALL ON ALL TABLES IN SCHEMA crosscoach FROM PUBLIC;
GRANT USAGE ON SCHEMA crosscoach TO crosscoach_rep, crosscoach_trainer;
GRANT SELECT ON crosscoach.meta TO crosscoach_rep, crosscoach_trainer;
GRANT SELECT, INSERT ON crosscoach.changes TO crosscoach_rep, crosscoach_trainer;
GRANT USAGE ON SEQUENCE crosscoach.changes_seq_seq TO crosscoach_rep, crosscoach_trainer;
GRANT SELECT, INSERT ON crosscoach.media, crosscoach.media_chunks
    TO crosscoach_rep, crosscoach_trainer;

-- May the person behind this login publish this version of this record?
-- SECURITY DEFINER: it reads members and the log whatever the caller may see.
CREATE OR REPLACE FUNCTION crosscoach.may_push(t text, rid text, author text, data jsonb)
RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, crosscoach
AS $$
DECLARE
    me       text;
    my_role  text;
    owner    text;
    was_gone boolean;
BEGIN
    SELECT m.person_id, m.role INTO me, my_role
        FROM crosscoach.members m WHERE m.login = session_user;
    IF me IS NULL THEN
        RETURN false;                       -- a login that is no one's
    END IF;
    -- A record keeps its author from version to version; only a deleted record
    -- may be made again by someone else (a Top Video re-marked by another trainer).
    SELECT c.author_id, c.deleted INTO owner, was_gone FROM crosscoach.changes c
        WHERE c.table_name = t AND c.record_id = rid ORDER BY c.seq DESC LIMIT 1;
    IF FOUND AND owner IS DISTINCT FROM author AND NOT was_gone THEN
        RETURN false;
    END IF;
    IF t = 'reviews' THEN                   -- scores: only the trainer who gives them
        RETURN my_role <> 'rep' AND author = me AND data ->> 'reviewer_id' = me;
    ELSIF t = 'comments' THEN
        RETURN author = me;
    ELSIF my_role <> 'rep' THEN
        RETURN true;                        -- trainers and managers run the rest
    ELSIF t = 'submissions' THEN
        RETURN author = me AND data ->> 'person_id' = me;
    ELSIF t = 'people' THEN
        RETURN rid = me AND data ->> 'role' = 'rep';
    ELSIF t = 'top_videos' THEN             -- consent, on the rep's own submission
        RETURN EXISTS (
            SELECT 1 FROM crosscoach.changes s
            WHERE s.table_name = 'submissions' AND s.record_id = data ->> 'submission_id'
              AND s.author_id = me);
    ELSIF t IN ('products', 'cross_sells', 'rubrics', 'rubric_criteria', 'scenarios') THEN
        RETURN author IS NULL;              -- the built-in pack every device loads itself
    END IF;
    RETURN false;
END
$$;
REVOKE ALL ON FUNCTION crosscoach.may_push(text, text, text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION crosscoach.may_push(text, text, text, jsonb)
    TO crosscoach_rep, crosscoach_trainer;

ALTER TABLE crosscoach.changes ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS read_team ON crosscoach.changes;
CREATE POLICY read_team ON crosscoach.changes FOR SELECT
    TO crosscoach_rep, crosscoach_trainer USING (true);
DROP POLICY IF EXISTS push_allowed ON crosscoach.changes;
CREATE POLICY push_allowed ON crosscoach.changes FOR INSERT
    TO crosscoach_rep, crosscoach_trainer
    WITH CHECK (
        pushed_by = session_user
        AND data ->> 'id' = record_id
        AND data ->> 'version' = version
        AND (data ->> 'author_id') IS NOT DISTINCT FROM author_id
        AND crosscoach.may_push(table_name, record_id, author_id, data)
    );
