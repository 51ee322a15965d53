import type { Migration } from '../migrate';

/**
 * Every change to what the authenticator reads of a session is announced on
 * the channel `session_changes`, from a trigger, so it is delivered only on
 * commit and no code path can forget it: `s:<session id>` when a session is
 * signed out or deleted, `u:<user id>` when its user's email, role or status
 * changes or the user is deleted. Each API process listens and drops those
 * sessions from its cache. New sessions need no announcement: a miss reads.
 */
export const up: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    CREATE FUNCTION notify_session_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('session_changes', CASE TG_TABLE_NAME WHEN 'users' THEN 'u:' ELSE 's:' END || OLD.id);
      RETURN NULL;
    END $$;

    CREATE TRIGGER auth_sessions_notify_change AFTER UPDATE OF revoked_at, user_id OR DELETE ON auth_sessions
      FOR EACH ROW EXECUTE FUNCTION notify_session_change();
    CREATE TRIGGER users_notify_session_change AFTER UPDATE OF email, role, status OR DELETE ON users
      FOR EACH ROW EXECUTE FUNCTION notify_session_change();
  `);
};

export const down: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    DROP TRIGGER IF EXISTS auth_sessions_notify_change ON auth_sessions;
    DROP TRIGGER IF EXISTS users_notify_session_change ON users;
    DROP FUNCTION IF EXISTS notify_session_change();
  `);
};
