-- 0006: what a DBA reads: when codes were last accepted, an overview view without secrets,
-- and a read-only role for it.

ALTER TABLE mfa_methods ADD COLUMN last_used_at timestamptz;
COMMENT ON COLUMN mfa_methods.last_used_at IS 'When a code (TOTP or backup code) of this method was last accepted.';

CREATE VIEW mfa_methods_overview AS
SELECT m.user_id,
       u.username,
       m.name AS method,
       m.is_active,
       m.is_primary,
       cardinality(m.backup_codes) AS backup_codes_remaining,
       m.last_used_at,
       m.failed_attempts,
       m.blocked_until,
       m.locked_at,
       m.created_at
FROM mfa_methods m
JOIN users u ON u.id = m.user_id;

COMMENT ON VIEW mfa_methods_overview IS 'One row per MFA method with its state and usage, without the secret or any backup-code hash. Readable by authkit_readonly.';
COMMENT ON COLUMN mfa_methods_overview.user_id IS 'users.id of the owner.';
COMMENT ON COLUMN mfa_methods_overview.username IS 'Login name of the owner.';
COMMENT ON COLUMN mfa_methods_overview.method IS 'app or email.';
COMMENT ON COLUMN mfa_methods_overview.is_active IS 'Confirmed and not deactivated.';
COMMENT ON COLUMN mfa_methods_overview.is_primary IS 'Challenged at login.';
COMMENT ON COLUMN mfa_methods_overview.backup_codes_remaining IS 'Backup codes not used yet (of NUM_OF_BACKUP_CODES).';
COMMENT ON COLUMN mfa_methods_overview.last_used_at IS 'When a code of this method was last accepted.';
COMMENT ON COLUMN mfa_methods_overview.failed_attempts IS 'Consecutive wrong codes.';
COMMENT ON COLUMN mfa_methods_overview.blocked_until IS 'Attempts wait until then (attempt limits).';
COMMENT ON COLUMN mfa_methods_overview.locked_at IS 'Locked after too many failures; `authkit mfa unlock USER` clears it.';
COMMENT ON COLUMN mfa_methods_overview.created_at IS 'When the method was created.';

-- The read-only role sees the overview and nothing secret. Roles are per cluster: create it
-- when it is missing and this migration may (otherwise a DBA creates it; see docs/database.md).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authkit_readonly')
       AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = current_user AND (rolsuper OR rolcreaterole)) THEN
        BEGIN
            CREATE ROLE authkit_readonly NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;  -- another database of this cluster migrated at the same moment
        END;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authkit_readonly') THEN
        GRANT USAGE ON SCHEMA public TO authkit_readonly;
        GRANT SELECT ON mfa_methods_overview TO authkit_readonly;
        GRANT SELECT (id, username, email, first_name, last_name, is_active, date_joined, last_login) ON users TO authkit_readonly;
        GRANT SELECT (id, user_id, method_id, method_name, consumed_at, request_id) ON mfa_backup_code_uses TO authkit_readonly;
        GRANT SELECT (id, user_id, method_id, recipient, status, attempts, last_error, created_at, sent_at) ON email_outbox TO authkit_readonly;
    END IF;
END
$$;
