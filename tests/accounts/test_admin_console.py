"""The admin console: every registered model's pages load, with filters and search."""

import pytest
from django.contrib import admin
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_vi(client, django_user_model):
    user = django_user_model.objects.create_superuser(
        "quantri", "quantri@example.vn", "a-long-admin-password", role="administrator"
    )
    client.force_login(user)
    return client


def test_every_changelist_and_add_page_loads(admin_client_vi, mini_catalogue, province):
    for model in admin.site._registry:
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        assert admin_client_vi.get(changelist).status_code == 200, changelist
        assert admin_client_vi.get(changelist, {"q": "đăng ký"}).status_code == 200, changelist
        add = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
        assert admin_client_vi.get(add).status_code in (200, 403), add


def test_procedure_changelist_filters_and_labels(admin_client_vi, mini_catalogue):
    url = reverse("admin:procedures_procedure_changelist")
    response = admin_client_vi.get(url, {"service_level__exact": "offline"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "1.009972" in content
    assert "1.001193" not in content
    assert "Mức độ dịch vụ công" in content or "mức độ dịch vụ công" in content
    assert "Toàn trình" in content  # the filter's choices are Vietnamese


def test_procedure_change_page_has_inlines(admin_client_vi, mini_catalogue):
    from procedures.models import Procedure

    procedure = Procedure.objects.get(code="1.004227")
    url = reverse("admin:procedures_procedure_change", args=[procedure.pk])
    content = admin_client_vi.get(url).content.decode()
    assert "Tờ khai theo mẫu" in content
    assert "Phê duyệt kết quả" in content
    assert "Lệ phí cấp giấy chứng nhận" in content


def test_admin_requires_login(client, db):
    response = client.get(reverse("admin:procedures_procedure_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_calendar_override_edit_takes_effect(admin_client_vi):
    from datetime import date

    from core.calendar import due_at
    from tests.support.clock import at

    before = due_at(at(2026, 3, 6, 9, 0), 1)
    assert before.date() == date(2026, 3, 9)  # Friday + 1 working day = Monday
    response = admin_client_vi.post(
        reverse("admin:core_calendaroverride_add"),
        {"date": "07/03/2026", "is_working_day": "on", "reason": "Làm bù (thử nghiệm)"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    after = due_at(at(2026, 3, 6, 9, 0), 1)
    assert after.date() == date(2026, 3, 7)  # the Saturday now counts


def test_vietnamese_dates_are_read_day_first():
    from datetime import date

    from django import forms
    from django.utils import translation

    with translation.override("vi"):
        field = forms.DateField()
        assert field.clean("07/03/2026") == date(2026, 3, 7)
        assert field.clean("2026-03-07") == date(2026, 3, 7)
        with pytest.raises(forms.ValidationError):
            field.clean("03/31/2026")  # American month/day is refused, not misread


def test_dead_outbox_messages_are_loud_in_the_admin(admin_client_vi):
    """A dead message stops its key: the admin index warns with the count and the reasons, and
    the message list says it again; superseded ones are listed for audit."""
    from outbox.models import OutboxMessage, OutboxStatus

    index = admin_client_vi.get(reverse("admin:index")).content.decode()
    assert 'id="dead-letters"' not in index
    newer = OutboxMessage.objects.create(
        topic="dvcqg.dossier", key="dossier:1", idempotency_key="k2", status=OutboxStatus.SENT
    )
    OutboxMessage.objects.create(
        topic="dvcqg.dossier",
        key="dossier:1",
        idempotency_key="k1",
        status=OutboxStatus.SUPERSEDED,
        superseded_by=newer,
        last_error="PermanentError: portal refused: 400 cũ",
    )
    OutboxMessage.objects.create(
        topic="dvcqg.dossier",
        key="dossier:2",
        idempotency_key="k3",
        status=OutboxStatus.DEAD,
        last_error="PermanentError: portal refused: 400 NgayTiepNhan",
    )
    index = admin_client_vi.get(reverse("admin:index")).content.decode()
    assert 'id="dead-letters" data-count="1"' in index
    assert "1 thông điệp gửi đi bị lỗi" in index
    assert "dossier:2: PermanentError: portal refused: 400 NgayTiepNhan" in index
    assert "?status__exact=dead" in index

    changelist = reverse("admin:outbox_outboxmessage_changelist")
    page = admin_client_vi.get(changelist).content.decode()
    assert "1 thông điệp gửi thất bại" in page
    assert "portal refused: 400 NgayTiepNhan" in page
    superseded = admin_client_vi.get(changelist, {"status__exact": "superseded"})
    assert "Đã được thay bằng thông điệp mới hơn" in superseded.content.decode()
    assert "400 cũ" in superseded.content.decode()
