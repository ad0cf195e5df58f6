"""The proctor console and the venue scoreboard (web side). Built in the proctor issue."""
