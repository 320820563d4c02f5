"""Test settings: the real settings module, in test mode (fixed secret, fast hasher)."""

import os

os.environ.setdefault("EPIGRID_MODE", "test")

from epigrid.settings import *  # noqa: F403
