"""Use cases, one module per area. Each write use case commits once, after its audit event."""
