-- 0009: abuse resistance that never locks the owner out. Device cookies give a user's own
-- browsers a failure budget of their own (for passwords and codes), throttle windows are
-- counted in PostgreSQL so every instance shares them, and sessions can be revoked per user.

ALTER TABLE users ADD COLUMN sessions_revoked_at timestamptz;
COMMENT ON COLUMN users.sessions_revoked_at IS 'Device cookies (and, with the account lifecycle, sessions) issued before this time are void: set by a password change and by revoking sessions.';

-- Password attempts: one row per budget. Clients without a valid device cookie for a login
-- name share one budget per name; a client presenting one has a budget of its own.
COMMENT ON COLUMN login_failures.username_key IS 'The budget: name:<hex SHA-256 of the login name> (clients without a device cookie for that name, shared) or device:<device id> (one client that presented a device cookie for the name). Fixed size whatever the name.';
COMMENT ON TABLE login_failures IS 'Password attempts per budget (see username_key), reserved before the hash is computed, also for names that match no account (the answer never tells whether an account exists). Rows are deleted on success and purged when old.';

CREATE TABLE mfa_device_attempts (
    method_id       bigint NOT NULL REFERENCES mfa_methods (id) ON DELETE CASCADE,
    device_id       text NOT NULL,
    failed_attempts integer NOT NULL DEFAULT 0,
    blocked_until   timestamptz,
    locked_at       timestamptz,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (method_id, device_id)
);
CREATE INDEX mfa_device_attempts_updated ON mfa_device_attempts (updated_at);

COMMENT ON TABLE mfa_device_attempts IS 'Second-factor attempts of clients that presented a valid device cookie for the method''s user: each device has its own budget, so failures by others (counted on mfa_methods) never lock the owner''s browsers out. Reset by a right code from that device; purged when old.';
COMMENT ON COLUMN mfa_device_attempts.method_id IS 'The method tried.';
COMMENT ON COLUMN mfa_device_attempts.device_id IS 'Random id of the device cookie (128 bits, hex); not linked to any other data.';
COMMENT ON COLUMN mfa_device_attempts.failed_attempts IS 'Attempts reserved by this device and not answered by a right code.';
COMMENT ON COLUMN mfa_device_attempts.blocked_until IS 'This device waits until then (same delays as mfa_methods.blocked_until).';
COMMENT ON COLUMN mfa_device_attempts.locked_at IS 'This device is locked out of the method after AUTHKIT_MFA_MAX_FAILURES; `authkit mfa unlock` clears it.';
COMMENT ON COLUMN mfa_device_attempts.updated_at IS 'Last attempt (for the purge).';

-- Rate-limit windows, shared by every instance. UNLOGGED: no WAL and no replication for
-- counters that are worthless after a crash (a restart just starts new windows).
CREATE UNLOGGED TABLE throttle_windows (
    key          text NOT NULL,
    window_start bigint NOT NULL,
    hits         integer NOT NULL,
    PRIMARY KEY (key, window_start)
);
CREATE INDEX throttle_windows_start ON throttle_windows (window_start);

COMMENT ON TABLE throttle_windows IS 'Requests counted per rate-limit key and fixed time window (AUTHKIT_THROTTLE_RATES): one atomic upsert per limited request, on any instance. Unlogged (emptied by a crash); old windows purged by the maintenance thread.';
COMMENT ON COLUMN throttle_windows.key IS 'scope:kind:value, e.g. auth_kit:ip:203.0.113.7/32 or mfa:user:42; network prefixes per AUTHKIT_THROTTLE_IPV4_PREFIX / IPV6_PREFIX.';

-- Comments of earlier migrations that this one makes untrue.
COMMENT ON COLUMN mfa_events.client_ip IS 'Client address: REMOTE_ADDR, which nginx''s realip module sets from a trusted balancer''s X-Forwarded-For; NULL for the command line.';
COMMENT ON COLUMN mfa_methods.locked_at IS 'Set after AUTHKIT_MFA_MAX_FAILURES consecutive failures of clients without a device cookie for the user: the method refuses their codes until `authkit mfa unlock USER` (each device''s own lock is in mfa_device_attempts).';
COMMENT ON COLUMN throttle_windows.window_start IS 'Unix time the window starts (a multiple of its period).';
COMMENT ON COLUMN throttle_windows.hits IS 'Requests counted in the window (never beyond the limit: refused requests are not counted).';
