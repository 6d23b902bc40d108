"""The alert job runs inside the service: its tests use the service's app and sandbox fixtures."""

from tests.service.conftest import (  # noqa: F401  (fixtures, found by pytest by name)
    api_settings,
    make_service,
    make_stack,
    sandbox_config,
    service,
    stack,
    stack_config,
)
