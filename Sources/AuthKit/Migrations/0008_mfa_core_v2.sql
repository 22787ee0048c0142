-- 0008: MFA core, second version. Email codes are random per send (only a keyed hash is kept),
-- the audit trail and outbox are open to new handlers and to notices, and the trail carries
-- details such as the number of backup codes left.

ALTER TABLE mfa_methods
    ADD COLUMN email_code_hash    text,
    ADD COLUMN email_code_sent_at timestamptz;

COMMENT ON COLUMN mfa_methods.email_code_hash IS 'Keyed hash (HMAC-SHA256, key derived from the newest secret-encryption key) of the latest code emailed for this method; NULL once it was used. Never the code.';
COMMENT ON COLUMN mfa_methods.email_code_sent_at IS 'When that code was generated; it is accepted for AUTHKIT_MFA_EMAIL_CODE_VALIDITY seconds from then.';
COMMENT ON COLUMN mfa_methods.failed_attempts IS 'Second-factor attempts reserved and not yet answered by a right code: each check first adds one atomically (refused inside a delay), a right code resets it to 0.';
COMMENT ON COLUMN mfa_methods.name IS 'Handler name from AUTHKIT_MFA_HANDLERS (app: authenticator app; email: code sent by email; others as registered).';

-- Evidence kinds come from the handlers (totp, email, backup, and those of future handlers).
ALTER TABLE mfa_events DROP CONSTRAINT mfa_events_code_kind;
ALTER TABLE mfa_events ADD CONSTRAINT mfa_events_code_kind CHECK (code_kind ~ '^[a-z][a-z0-9_]{0,31}$');
ALTER TABLE mfa_events DROP CONSTRAINT mfa_events_event;
ALTER TABLE mfa_events ADD CONSTRAINT mfa_events_event CHECK (event IN ('created', 'confirmed', 'deactivated', 'deleted',
    'primary_changed', 'login_verified', 'login_failed', 'code_failed', 'backup_code_used', 'code_sent', 'locked', 'unlocked',
    'backup_codes_regenerated', 'reset'));
ALTER TABLE mfa_events ADD COLUMN details jsonb;

COMMENT ON COLUMN mfa_events.code_kind IS 'Which kind of evidence authorised or failed the action: totp (app code), email (emailed code), backup, or another handler''s kind; NULL when no code was involved.';
COMMENT ON COLUMN mfa_events.event IS 'created, confirmed, deactivated, deleted, primary_changed (method = the new primary), login_verified, login_failed (wrong code at login/verify), code_failed (wrong code at confirm/deactivate/primary/delete/regenerate), backup_code_used (in addition to the action it authorised), code_sent (a code email queued), locked (AUTHKIT_MFA_MAX_FAILURES reached), unlocked (authkit mfa unlock), backup_codes_regenerated (a new set, the old one void), reset (removed by `authkit mfa reset`).';
COMMENT ON COLUMN mfa_events.details IS 'Event details without secrets, e.g. {"backup_codes_remaining": 3} on backup_code_used and backup_codes_regenerated.';

-- The outbox also carries notices (e.g. "your second factors were reset"): their text is stored,
-- as it holds no secret. Code emails still store no code, only the counter it is derived from.
ALTER TABLE email_outbox
    ADD COLUMN kind    text NOT NULL DEFAULT 'code',
    ADD COLUMN subject text,
    ADD COLUMN body    text,
    ALTER COLUMN method_id DROP NOT NULL,
    ALTER COLUMN step DROP NOT NULL,
    ALTER COLUMN interval_seconds DROP NOT NULL,
    ADD CONSTRAINT email_outbox_kind CHECK (kind IN ('code', 'notice')),
    ADD CONSTRAINT email_outbox_code_fields CHECK (kind <> 'code' OR (method_id IS NOT NULL AND step IS NOT NULL)),
    ADD CONSTRAINT email_outbox_notice_fields CHECK (kind <> 'notice' OR (subject IS NOT NULL AND body IS NOT NULL));

COMMENT ON COLUMN email_outbox.kind IS 'code (a second-factor code, derived when sending) or notice (a security notice whose text is stored).';
COMMENT ON COLUMN email_outbox.subject IS 'Subject of a notice; NULL for code emails.';
COMMENT ON COLUMN email_outbox.body IS 'Plain-text body of a notice (no secret); NULL for code emails.';
COMMENT ON COLUMN email_outbox.step IS 'For code emails: the counter the code is derived from (HOTP of the method secret): a random number per email method send, or the TOTP time step of older rows.';
COMMENT ON COLUMN email_outbox.interval_seconds IS 'For code emails: how many seconds the code is valid (informational).';
COMMENT ON TABLE email_outbox IS 'Emails to deliver, written in the same transaction as the request that caused them and sent by `authkit serve` (one sender thread per instance, rows claimed with FOR UPDATE SKIP LOCKED) or `authkit mail deliver --once`. Code emails store no code: it is derived from the method''s secret and the row''s counter when sending.';
