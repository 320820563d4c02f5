"""Clues and rumours routed to the police station, and residents' reports without an account (issue 10)."""
