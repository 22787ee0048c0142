-- 0005: attempt limits, code-send cooldown, password failure counters.

ALTER TABLE mfa_methods
    ADD COLUMN failed_attempts   integer NOT NULL DEFAULT 0,
    ADD COLUMN blocked_until     timestamptz,
    ADD COLUMN locked_at         timestamptz,
    ADD COLUMN last_code_sent_at timestamptz;

COMMENT ON COLUMN mfa_methods.failed_attempts IS 'Consecutive wrong codes for this method (login/verify, confirm, deactivate, primary, delete); reset by a right one or `authkit mfa unlock`.';
COMMENT ON COLUMN mfa_methods.blocked_until IS 'No code is checked for this method before this time (exponential delay after AUTHKIT_MFA_FAILURES_BEFORE_DELAY failures); attempts earlier get 429.';
COMMENT ON COLUMN mfa_methods.locked_at IS 'Set after AUTHKIT_MFA_MAX_FAILURES consecutive failures: the method refuses every code until `authkit mfa unlock USER`.';
COMMENT ON COLUMN mfa_methods.last_code_sent_at IS 'When a code email was last queued for this method (AUTHKIT_MFA_SEND_COOLDOWN).';

CREATE TABLE login_failures (
    username_key    text PRIMARY KEY,
    failures        integer NOT NULL DEFAULT 0,
    blocked_until   timestamptz,
    last_failure_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_last ON login_failures (last_failure_at);

COMMENT ON TABLE login_failures IS 'Consecutive wrong passwords per login name (also for names that match no account, so the answer never tells whether an account exists). Separate from second-factor failures; rows are deleted on success and purged when old.';
COMMENT ON COLUMN login_failures.username_key IS 'The username as typed at login (trimmed, case-sensitive like the login itself).';
COMMENT ON COLUMN login_failures.failures IS 'Consecutive failures.';
COMMENT ON COLUMN login_failures.blocked_until IS 'No password is checked for this name before this time (429 instead).';
COMMENT ON COLUMN login_failures.last_failure_at IS 'Time of the last failure.';
