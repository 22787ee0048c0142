-- 0013: the outbox sender claims a row with a lease committed before it talks to SMTP, and marks
-- it sent afterwards (issue 17). A sender that loses its database connection between the two
-- costs at most one repeat after the lease, with the same Message-ID; a code email is retried
-- until its code expires instead of a fixed number of times.

ALTER TABLE email_outbox
    ADD COLUMN lease_until timestamptz,
    ADD COLUMN claim_token text;

COMMENT ON COLUMN email_outbox.lease_until IS 'While a sender is delivering the row: until when it holds it (now() + AUTHKIT_EMAIL_SEND_LEASE at the claim; next_attempt_at is pushed to the same time, so no other sender takes the row before then). A row still pending after its lease lost its sender (crash or lost database connection) and is claimed again. NULL when no sender holds it.';
COMMENT ON COLUMN email_outbox.claim_token IS 'Random token of the claim that holds the row: the sender marks sent, retry, failed or expired only while its token is still here, so a late mark cannot overwrite a newer claim. NULL when no sender holds it.';
COMMENT ON COLUMN email_outbox.attempts IS 'Delivery attempts so far, counted when a sender claims the row (before it talks to SMTP), so an attempt whose outcome was lost still shows.';
COMMENT ON COLUMN email_outbox.status IS 'pending (to send or retry), sent, failed (a notice after AUTHKIT_EMAIL_MAX_ATTEMPTS attempts, or any row whose method secret is unreadable or whose address is unusable), expired (not delivered before valid_until: code emails are retried until then).';
COMMENT ON TABLE email_outbox IS 'Emails to deliver, written in the same transaction as the request that caused them and sent by `authkit serve` (one sender thread per instance) or `authkit mail deliver --once`. A sender claims a row with FOR UPDATE SKIP LOCKED and a lease committed before SMTP, and marks it after: delivery is at least once, a duplicate (same Message-ID) only when a sender loses its database connection between the SMTP server''s acceptance and the mark. Code emails store no code: it is derived from the method''s secret and the row''s counter when sending.';
