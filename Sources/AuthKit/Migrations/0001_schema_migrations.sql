-- 0001: document the bookkeeping table itself (created by the migrator before anything runs).
COMMENT ON TABLE schema_migrations IS 'Migrations applied by authkit migrate: one row per file of Sources/AuthKit/Migrations.';
COMMENT ON COLUMN schema_migrations.version IS 'Number from the file name (0001_...).';
COMMENT ON COLUMN schema_migrations.name IS 'Rest of the file name, without .sql.';
COMMENT ON COLUMN schema_migrations.checksum IS 'SHA-256 of the file as applied; authkit refuses to run if an applied file changed.';
COMMENT ON COLUMN schema_migrations.applied_at IS 'When the migration was committed.';
