"""WSGI entry point for `epigrid serve` (granian) or any WSGI server."""

import gc
import os
from wsgiref.types import WSGIApplication

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "epigrid.settings")
django_application = get_wsgi_application()
application: WSGIApplication = django_application

if settings.CONFIG.selfreport_fast_path:
    # Imported once Django is set up (the module uses the models).
    from epigrid.monitoring.selfreport_wsgi import SelfReportFastPath

    # Self-report submissions' usual case without the full stack (EPIGRID_SELFREPORT_FAST_PATH=0: off).
    application = SelfReportFastPath(django_application)

# Everything loaded so far (Django, the apps, the URL conf) lives as long as the process: move it out
# of the collector's sight, so that a page that builds tens of thousands of objects (the supply overview
# of a city district) does not pay for a full collection walking all of Django's on every third call.
gc.freeze()
