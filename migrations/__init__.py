"""Alembic migrations for the ledger schema; shipped inside the package as tracker.migrations."""
