import pytest


@pytest.fixture(autouse=True)
def _library_files_in_tmp(settings, tmp_path):
    """Library files go to a temporary folder for each test."""
    settings.STORAGES = {
        **settings.STORAGES,
        "resources": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "library")},
        },
    }
    return tmp_path / "library"
