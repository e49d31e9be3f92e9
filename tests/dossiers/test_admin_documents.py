"""The data store and e-results in the admin: read-only pages for administrators."""

import pytest

from documents.models import StoreDocument
from dossiers.models import EResult
from tests.support.dossiers import DossierFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def e_result(cast):
    dossier = DossierFactory(cast=cast, status="result_ready", e_result=True)
    return EResult.objects.get(dossier=dossier)


def test_an_administrator_reads_the_e_results_and_the_store(client, cast, e_result):
    client.force_login(cast.admin)
    page = client.get("/admin/dossiers/eresult/")
    assert page.status_code == 200
    assert e_result.dossier.code in page.content.decode()
    detail = client.get(f"/admin/dossiers/eresult/{e_result.pk}/change/")
    assert detail.status_code == 200
    body = detail.content.decode()
    assert f"/verify/{e_result.pk}/" in body
    assert f"/api/v1/files/{e_result.file_id}/" in body
    # Read-only: nothing to save, nothing to add or delete.
    assert 'name="_save"' not in body
    assert client.get("/admin/dossiers/eresult/add/").status_code == 403
    document = StoreDocument.objects.get()
    store = client.get("/admin/documents/storedocument/", {"q": document.owner_id})
    assert store.status_code == 200
    assert document.title in store.content.decode()


def test_officials_do_not_browse_the_whole_store(client, cast, e_result):
    cast.clerk.is_staff = True
    cast.clerk.save()
    client.force_login(cast.clerk)
    assert client.get("/admin/documents/storedocument/").status_code == 403
    assert client.get("/admin/dossiers/eresult/").status_code == 403
