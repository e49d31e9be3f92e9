import pytest
from django.core.exceptions import ValidationError

from accounts.models import User
from accounts.roles import Role

pytestmark = pytest.mark.django_db


def test_default_role_is_citizen():
    user = User.objects.create_user("citizen1", password="x-very-long-pass")
    assert user.role == Role.CITIZEN
    assert not user.is_official


def test_an_official_must_belong_to_an_agency():
    user = User(username="officer", role=Role.RECEIVING_OFFICER)
    with pytest.raises(ValidationError) as error:
        user.full_clean()
    assert "agency" in error.value.message_dict


@pytest.mark.parametrize("value", ["12345", "0250900012345", "02509000123a"])
def test_personal_id_has_exactly_12_digits(value):
    user = User(username="c", personal_id=value)
    with pytest.raises(ValidationError) as error:
        user.full_clean()
    assert "personal_id" in error.value.message_dict


@pytest.mark.argon2
def test_passwords_are_hashed_with_argon2():
    user = User.objects.create_user("c2", password="x-very-long-pass")
    assert user.password.startswith("argon2$")


def test_two_citizen_accounts_cannot_share_a_personal_id():
    from django.db import IntegrityError, transaction

    User.objects.create_user("c3", password="x-very-long-pass", personal_id="025090001111")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user("c4", password="x-very-long-pass", personal_id="025090001111")
    # Officials carry no personal ID constraint of this kind.
    User.objects.create_user("c5", password="x-very-long-pass")
    User.objects.create_user("c6", password="x-very-long-pass")
