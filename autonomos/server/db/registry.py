"""Imports every module that defines models, so ``Base.metadata`` is complete.

Alembic (``migrations/env.py``) and the schema-drift test import this module. When you add a
models module (e.g. ``autonomos/server/tasks/models.py``), import it here.
"""

from autonomos.server.db import models  # noqa: F401
from autonomos.server.tasks import models as task_models  # noqa: F401
from autonomos.server.resources import models as resource_models  # noqa: F401
from autonomos.server.llm import models as llm_models  # noqa: F401
from autonomos.server.schedules import models as schedule_models  # noqa: F401
from autonomos.server.db.base import Base

metadata = Base.metadata
