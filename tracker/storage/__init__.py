"""Storage: the schema, the engine and the migrations glue. Knows nothing of the CLI."""
