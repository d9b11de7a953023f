"""Database: SQLModel tables, the engine, and the sync from content/."""
