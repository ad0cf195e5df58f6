"""Flags and proctor actions (the console's web side lives in proctor_console/)."""
