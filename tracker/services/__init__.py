"""The rules of the ledger. Functions take a Session, flush, and never commit."""
