"""Staff accounts (admin, committee, proctor): passwords, logins, and who may see which session."""
