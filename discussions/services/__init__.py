"""Every write to discussions, one module per concern: posting, reacting, following,
notifying, moderating. Import from the module itself (discussions.services.posting)."""
