-- 0011: e-mail confirmation (registration/verify-email/). Keys are signed, not stored: an
-- account's address is confirmed once, and from then on every key for it is refused.
ALTER TABLE users ADD COLUMN email_verified_at timestamptz;

COMMENT ON COLUMN users.email_verified_at IS 'When the address was confirmed through registration/verify-email/; NULL: not confirmed (login is allowed anyway, as allauth''s "optional" verification).';
