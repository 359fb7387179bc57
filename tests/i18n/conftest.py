import time

import pytest

from cop_platform.search import registry


@pytest.fixture(autouse=True)
def _forget_community_languages():
    """The communities with a language these tests create are rolled back afterwards: so that
    this process's copy of them (cop_platform.search.registry) does not outlive them and make
    later tests in the same worker update vectors per language."""
    yield
    registry._community_configs.update(loaded_at=time.monotonic(), version=None, groups={})
