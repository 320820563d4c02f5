"""WSGI entry point for `epigrid serve` (granian) or any WSGI server."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "epigrid.settings")
application = get_wsgi_application()
