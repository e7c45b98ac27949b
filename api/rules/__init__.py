"""Pure validation and calculation rules (no database, no web framework), each citing its source."""
