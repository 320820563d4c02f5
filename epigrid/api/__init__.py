"""The JSON API under /api/v1/ (django-ninja): one router module per app; see ``epigrid.api.api``."""
