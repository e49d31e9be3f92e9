"""The documents storage is chosen by configuration: local files by default, an S3-compatible
service with ONECUA_DOCUMENTS_STORAGE=s3 (django-storages)."""

import pytest
from django.utils.module_loading import import_string

from config.settings import _documents_storage


def test_local_files_by_default(monkeypatch):
    monkeypatch.delenv("ONECUA_DOCUMENTS_STORAGE", raising=False)
    config = _documents_storage()
    assert config["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert str(config["OPTIONS"]["location"]).endswith("documents")
    # Never served as public media: downloads go through permission-checking views.
    assert config["OPTIONS"]["base_url"] is None


def test_s3_compatible_service_by_configuration(monkeypatch):
    monkeypatch.setenv("ONECUA_DOCUMENTS_STORAGE", "s3")
    monkeypatch.setenv("AWS_STORAGE_BUCKET_NAME", "phutho-hoso")
    monkeypatch.setenv("AWS_S3_ENDPOINT_URL", "http://127.0.0.1:9000")
    monkeypatch.setenv("AWS_S3_REGION_NAME", "ap-southeast-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test-access")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
    config = _documents_storage()
    assert config["BACKEND"] == "storages.backends.s3.S3Storage"
    storage = import_string(config["BACKEND"])(**config["OPTIONS"])
    assert storage.bucket_name == "phutho-hoso"
    assert storage.file_overwrite is False
    assert storage.default_acl is None
    # A signed, expiring link on the configured endpoint (computed locally, no network).
    url = storage.url("2026/11/abc.pdf")
    assert url.startswith("http://127.0.0.1:9000/phutho-hoso/documents/2026/11/abc.pdf?")
    assert "Signature" in url or "X-Amz-Signature" in url


def test_an_unknown_storage_kind_is_a_configuration_error(monkeypatch):
    monkeypatch.setenv("ONECUA_DOCUMENTS_STORAGE", "ftp")
    with pytest.raises(ValueError, match="local' or 's3"):
        _documents_storage()
