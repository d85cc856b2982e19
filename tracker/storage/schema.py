"""What every run needs to know about the schema, without importing Alembic or any revision.

`REVISIONS` lists the migration revisions oldest first; a test keeps it equal to the
chain in migrations/versions, so the check at start-up is one query against a constant.
"""

REVISIONS = ("0001_initial", "0002_search", "0003_scoring", "0004_changes", "0005_search_fold", "0006_estimates",
             "0007_big_ids", "0008_sources_tags")
HEAD = REVISIONS[-1]
