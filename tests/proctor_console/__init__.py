"""Tests of the proctor console page."""
