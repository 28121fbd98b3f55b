"""Use cases. They take a Session, raise domain errors, and never touch the request."""
