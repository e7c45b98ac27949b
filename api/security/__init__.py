"""Authentication and authorisation: tokens, passwords, the role/permission matrix."""
