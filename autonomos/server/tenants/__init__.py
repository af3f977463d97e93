"""Organizations, members, invitations and API keys of the caller's tenant."""
