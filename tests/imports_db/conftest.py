"""Fixtures of the import, upsert and export tests (defined in imports_db/helpers.py)."""

from imports_db.helpers import officer_root

__all__ = ["officer_root"]
