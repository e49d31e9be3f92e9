"""The templates' admin: a save writes a new version (the old one kept), an unknown variable is
refused with a Vietnamese message, the preview renders a sample dossier, SMS length warnings."""

from __future__ import annotations

import pytest
from django.urls import reverse

from notifications.models import NotificationTemplate

pytestmark = pytest.mark.django_db


def form(template, **changes):
    data = {
        "kind": template.kind,
        "channel": template.channel,
        "language": template.language,
        "enabled": "on" if template.enabled else "",
        "subject": template.subject,
        "body": template.body,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def current(kind="received", channel="sms"):
    return NotificationTemplate.current(kind, channel, "vi")


def test_saving_writes_a_new_version_and_keeps_the_old(client, cast):
    client.force_login(cast.admin)
    v1 = current()
    url = reverse("admin:notifications_notificationtemplate_change", args=[v1.pk])
    body = "Hồ sơ {{ dossier_code }} đã nhận, hẹn {{ due_at }}."
    response = client.post(url, form(v1, body=body))
    assert response.status_code == 302, response.content.decode()[:2000]
    v2 = current()
    assert (v2.version, v2.body, v2.created_by) == (2, body, cast.admin)
    v1.refresh_from_db()
    assert v1.version == 1 and v1.body != body  # unchanged history
    # Versions cannot be deleted.
    delete = reverse("admin:notifications_notificationtemplate_delete", args=[v1.pk])
    assert client.get(delete).status_code == 403


def test_an_unknown_variable_is_refused_in_vietnamese(client, cast):
    client.force_login(cast.admin)
    v1 = current(channel="email")
    url = reverse("admin:notifications_notificationtemplate_change", args=[v1.pk])
    response = client.post(url, form(v1, body="Kính gửi {{ ho_ten_cong_dan }}"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "biến không được khai báo" in page and "ho_ten_cong_dan" in page
    assert current(channel="email").version == 1


def test_the_preview_renders_the_sample_dossier_and_counts_sms(client, cast):
    client.force_login(cast.admin)
    v1 = current()
    page = client.get(
        reverse("admin:notifications_notificationtemplate_change", args=[v1.pk])
    ).content.decode()
    assert "000.00.06.H25-261205-0001" in page  # the sample dossier's code
    assert "UCS-2" in page
    assert "{{ dossier_code }}" in page  # the variables the kind may use


def test_a_long_sms_is_warned_about_and_a_too_long_one_refused(client, cast, settings):
    client.force_login(cast.admin)
    v1 = current()
    url = reverse("admin:notifications_notificationtemplate_change", args=[v1.pk])
    two = "Hồ sơ {{ dossier_code }} đã được tiếp nhận, hẹn trả kết quả {{ due_at }}. Xin cảm ơn."
    response = client.post(url, form(v1, body=two), follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert any("UCS-2" in m and "2 tin" in m for m in messages), messages
    settings.NOTIFY_SMS_MAX_SEGMENTS = 1
    response = client.post(url, form(current(), body=two))
    assert response.status_code == 200 and "Tin nhắn quá dài" in response.content.decode()
