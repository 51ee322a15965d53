import type { Migration } from '../migrate';

/**
 * Every change to what validation reads is announced on the channel
 * `license_changes`, from a trigger: in the changing transaction itself, so
 * PostgreSQL delivers it only on commit, and no code path can forget it. The
 * payload names what changed: `l:<license id>` (the license or one of its
 * activations), `p:<policy id>`, `u:<user id>` (the owner's status). Each API
 * process listens and drops those entries from its validation cache.
 *
 * A machine's stamps (last_validated_at, token_expires_at) move far more often
 * than anything else (every validation batch, every heartbeat) and never
 * change an answer, only when the next stamp is due: they are announced with
 * their new values, `s:<license id>:<activation id>:<last validated>:<token
 * expiry>` (Unix seconds, empty for null), and the caches update the machine
 * in place instead of reading the license again. Other activation columns
 * (heartbeat time, versions, names) are not announced.
 */
/** An activation update that can change what validation answers. */
const ANSWER_CHANGED = `OLD.license_id IS DISTINCT FROM NEW.license_id OR OLD.fingerprint IS DISTINCT FROM NEW.fingerprint
  OR OLD.deactivated_at IS DISTINCT FROM NEW.deactivated_at OR OLD.emergency_until IS DISTINCT FROM NEW.emergency_until
  OR OLD.stale_at IS DISTINCT FROM NEW.stale_at`;

export const up: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    CREATE FUNCTION notify_license_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP <> 'INSERT' THEN PERFORM pg_notify('license_changes', 'l:' || OLD.id); END IF;
      IF TG_OP <> 'DELETE' THEN PERFORM pg_notify('license_changes', 'l:' || NEW.id); END IF;
      RETURN NULL;
    END $$;
    CREATE FUNCTION notify_activation_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP <> 'INSERT' THEN PERFORM pg_notify('license_changes', 'l:' || OLD.license_id); END IF;
      IF TG_OP <> 'DELETE' THEN PERFORM pg_notify('license_changes', 'l:' || NEW.license_id); END IF;
      RETURN NULL;
    END $$;
    CREATE FUNCTION notify_activation_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('license_changes', 's:' || NEW.license_id || ':' || NEW.id
        || ':' || COALESCE(extract(epoch FROM NEW.last_validated_at)::text, '')
        || ':' || COALESCE(extract(epoch FROM NEW.token_expires_at)::text, ''));
      RETURN NULL;
    END $$;
    CREATE FUNCTION notify_policy_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('license_changes', 'p:' || OLD.id);
      RETURN NULL;
    END $$;
    CREATE FUNCTION notify_user_status_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('license_changes', 'u:' || OLD.id);
      RETURN NULL;
    END $$;

    CREATE TRIGGER licenses_notify_change AFTER INSERT OR UPDATE OR DELETE ON licenses
      FOR EACH ROW EXECUTE FUNCTION notify_license_change();
    CREATE TRIGGER activations_notify_insert_delete AFTER INSERT OR DELETE ON activations
      FOR EACH ROW EXECUTE FUNCTION notify_activation_change();
    CREATE TRIGGER activations_notify_update AFTER UPDATE ON activations
      FOR EACH ROW WHEN (${ANSWER_CHANGED}) EXECUTE FUNCTION notify_activation_change();
    CREATE TRIGGER activations_notify_stamp AFTER UPDATE ON activations
      FOR EACH ROW WHEN (NOT (${ANSWER_CHANGED}) AND (
        OLD.last_validated_at IS DISTINCT FROM NEW.last_validated_at OR OLD.token_expires_at IS DISTINCT FROM NEW.token_expires_at
      )) EXECUTE FUNCTION notify_activation_stamp();
    CREATE TRIGGER policies_notify_change AFTER UPDATE OR DELETE ON policies
      FOR EACH ROW EXECUTE FUNCTION notify_policy_change();
    CREATE TRIGGER users_notify_status_change AFTER UPDATE OF status OR DELETE ON users
      FOR EACH ROW EXECUTE FUNCTION notify_user_status_change();
  `);
};

export const down: Migration = async ({ context: { sequelize } }) => {
  await sequelize.query(`
    DROP TRIGGER IF EXISTS licenses_notify_change ON licenses;
    DROP TRIGGER IF EXISTS activations_notify_insert_delete ON activations;
    DROP TRIGGER IF EXISTS activations_notify_update ON activations;
    DROP TRIGGER IF EXISTS activations_notify_stamp ON activations;
    DROP TRIGGER IF EXISTS policies_notify_change ON policies;
    DROP TRIGGER IF EXISTS users_notify_status_change ON users;
    DROP FUNCTION IF EXISTS notify_license_change(), notify_activation_change(), notify_activation_stamp(), notify_policy_change(), notify_user_status_change();
  `);
};
