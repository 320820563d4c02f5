"""WSGI entry point for `epigrid serve` (granian) or any WSGI server."""

import gc
import os
from wsgiref.types import WSGIApplication

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "epigrid.settings")
django_application = get_wsgi_application()
application: WSGIApplication = django_application

if settings.CONFIG.selfreport_fast_path:
    # Imported once Django is set up (the module uses the models).
    from epigrid.monitoring.selfreport_wsgi import SelfReportFastPath

    # Self-report submissions' usual case without the full stack (EPIGRID_SELFREPORT_FAST_PATH=0: off).
    application = SelfReportFastPath(django_application)

if settings.CONFIG.public_cache_seconds:
    from epigrid.publicinfo.cache_wsgi import PublicPageCache

    # Public pages replayed from memory for EPIGRID_PUBLIC_CACHE_SECONDS (60): a crowd opening the
    # district's page after a bulletin costs a dictionary lookup per request, not a Django request.
    application = PublicPageCache(application)

# Load every view now rather than on the first request (the URL conf imports them, and with them
# pypinyin's dictionaries: some 200,000 lists), then move everything loaded out of the collector's
# sight: it lives as long as the process, and a page that builds tens of thousands of objects (the
# supply overview of a city district) would otherwise pay for full collections walking all of it —
# 150 ms each, every few requests, measured.
get_resolver().url_patterns  # noqa: B018 (imported for its side effect: every view module loaded)
gc.collect()
gc.freeze()
