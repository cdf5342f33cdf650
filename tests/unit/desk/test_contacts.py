"""Customer contacts: normalised phone numbers and e-mail addresses, one contact each."""

from __future__ import annotations

import pytest

from itsm_core import ItsmCore
from itsm_core.desk import normalise_email, normalise_phone
from itsm_core.kernel.errors import AccessDenied, ConflictError, NotFound, ValidationError

from .conftest import CUSTOMER, DESK, RM


@pytest.mark.parametrize(
    "given",
    ["13800138000", "138 0013 8000", "+86 138-0013-8000", "008613800138000", "(+86)138.0013.8000"],
)
def test_a_mobile_number_in_any_usual_form_is_one_number(given: str) -> None:
    assert normalise_phone(given) == "+8613800138000"


def test_a_landline_drops_its_trunk_prefix() -> None:
    assert normalise_phone("010-6552 9988") == "+861065529988"


def test_another_country_code_and_international_numbers() -> None:
    assert normalise_phone("0612345678", country_code="33") == "+33612345678"
    assert normalise_phone("+1 (415) 555-0100") == "+14155550100"


@pytest.mark.parametrize("bad", ["", "   ", "12", "1380013800x", "+86 138 0013 8000 0000 1", 5])
def test_what_is_no_phone_number_is_refused(bad: object) -> None:
    with pytest.raises(ValidationError, match="phone"):
        normalise_phone(bad)


def test_an_email_address_is_trimmed_and_lower_cased() -> None:
    assert normalise_email("  Zhao.Wei@ACME.Example ") == "zhao.wei@acme.example"


@pytest.mark.parametrize("bad", ["zhao", "zhao@acme", "zhao wei@acme.cn", "a@b@c.cn", None])
def test_what_is_no_email_address_is_refused(bad: object) -> None:
    with pytest.raises(ValidationError, match="email"):
        normalise_email(bad)


def test_a_contact_is_stored_normalised(core: ItsmCore) -> None:
    contact = core.desk.add_contact(
        DESK, customer="ACME", name="赵先生", phone="138 0013 8000", email="Zhao@ACME.example"
    )
    assert (contact.phone, contact.email) == ("+8613800138000", "zhao@acme.example")
    assert core.desk.get_contact(RM, contact.id).customer == "ACME"
    assert [c.id for c in core.desk.find_contacts(RM, customer="ACME")] == [contact.id]
    assert core.desk.find_contacts(RM, customer="OTHER") == []


def test_a_contact_needs_a_phone_number_or_an_email_address(core: ItsmCore) -> None:
    with pytest.raises(ValidationError, match="phone number or an e-mail"):
        core.desk.add_contact(DESK, customer="ACME", name="赵先生")
    assert core.desk.find_contacts(RM) == []


def test_a_number_belongs_to_one_contact(core: ItsmCore) -> None:
    first = core.desk.add_contact(DESK, customer="ACME", phone="13800138000")
    with pytest.raises(ConflictError, match=first.id):
        core.desk.add_contact(DESK, customer="OTHER", phone="+86 13800138000")
    other = core.desk.add_contact(DESK, customer="OTHER", email="a@other.cn")
    with pytest.raises(ConflictError):
        core.desk.change_contact(DESK, other.id, phone="138-0013-8000")
    assert core.desk.get_contact(RM, other.id).phone is None


def test_a_contact_changes_and_its_history_says_so(core: ItsmCore) -> None:
    contact = core.desk.add_contact(DESK, customer="ACME", phone="13800138000")
    changed = core.desk.change_contact(DESK, contact.id, email="ZHAO@acme.cn", name="赵伟")
    assert (changed.email, changed.name, changed.version) == ("zhao@acme.cn", "赵伟", 2)
    same = core.desk.change_contact(DESK, contact.id, name="赵伟")
    assert same.version == 2  # nothing changed, nothing recorded
    with pytest.raises(NotFound):
        core.desk.change_contact(DESK, "contact-none", name="x")


def test_a_customer_may_not_keep_contacts(core: ItsmCore) -> None:
    with pytest.raises(AccessDenied):
        core.desk.add_contact(CUSTOMER, customer="ACME", phone="13800138000")
