"""Live delivery: login, encrypted packages, key release, the server-owned clock, answers."""
