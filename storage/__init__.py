"""The incident database: models, engine and sessions, queries, importers and migrations."""
