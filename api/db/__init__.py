"""Database layer: engine and sessions, column types, and the SQLModel table models."""
