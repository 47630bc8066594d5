"""Storage: the database engine, schema migrations, retries of transient errors, bulk writes, typed reads and
the native SQLite reader."""
