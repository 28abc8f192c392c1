"""The service for a whole council: accounts and roles, the login, the JSON API, limits, the audit log."""
