"""What an official sees in the dossier admin is said in words (issue 15 §2, "fix what an
official still sees there in English or as raw codes"): the process-control slip's roles by
their Vietnamese labels, the people by their names, the inlines' headers in Vietnamese."""

import pytest

from dossiers import services
from tests.support.cast import at_counter

pytestmark = pytest.mark.usefixtures("module_cast")


def test_the_admins_dossier_page_names_roles_and_people(client, cast):
    dossier = at_counter(cast)
    services.assign(dossier=dossier.code, actor=cast.leader, assignee=cast.specialist.pk)
    services.request_supplement(
        dossier=dossier.code, actor=cast.specialist, items=["Bản sao giấy tờ"], reason=""
    )
    cast.leader.is_staff = True
    cast.leader.save()
    client.force_login(cast.leader)
    html = client.get(f"/admin/dossiers/dossier/{dossier.pk}/change/").content.decode()
    # Roles of the steps in words, not their codes.
    assert "field-role_label" in html and "Tiếp nhận</p>" in html
    assert "Chuyên viên xử lý" in html
    assert ">receive<" not in html and ">specialist<" not in html
    # Headers in Vietnamese (the model fields without a label were shown in English).
    for english in ("Agency", "Opened by", "Closed by"):
        assert f">{english}<" not in html
    assert "người yêu cầu" in html.lower() and "người thực hiện" in html.lower()
    # People by their names.
    assert "Specialist" in html and "Clerk" in html
