"""The SQLite cache: ``schema`` (numbered migrations), ``store`` (one connection: feed and post
writes and reads) and ``search`` (the planner that turns a compiled query into SQL)."""
