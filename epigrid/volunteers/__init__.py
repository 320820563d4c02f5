"""Volunteer teams and their members, and the duty roster (值班值守) of units and checkpoints (issue 10)."""
