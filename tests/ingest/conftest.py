import pytest

from ingest.profile import named_profile, use_profile


@pytest.fixture
def bundled_profile():
    """The bundled corpus is read with its own profile (data/corpus/vocabularies.toml says so)."""
    with use_profile(named_profile("callcenter")) as profile:
        yield profile
