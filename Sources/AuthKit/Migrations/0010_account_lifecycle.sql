-- 0010: the account routes around MFA. Password-reset requests look accounts up by address,
-- case-insensitively: an index, so the lookup is not a scan of every account.
CREATE INDEX users_email_lower ON users (lower(email));

COMMENT ON COLUMN email_outbox.body IS 'Plain-text body of a notice (no secret kept): emptied once the row is sent, failed or expired, since a password-reset link is a credential until it expires; NULL for code emails.';
