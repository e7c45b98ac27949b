"""Bulk import of member lists as HR systems export them (CSV, XLSX, JSON Lines): pure parsing and checks."""
