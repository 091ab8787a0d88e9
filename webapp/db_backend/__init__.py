"""PostgreSQL backend that also sees the app's tables in the `input` schema."""
