import datetime

import pytest

from lms.accounts.models import AgencyMembership
from lms.accounts.services import officer_move
from lms.agencies.models import Agency, Commune, CommuneMerge
from lms.agencies.services import agencies_load, agency_merge
from tests.factories import AgencyFactory, officer


@pytest.mark.django_db
def test_loading_agencies_twice_gives_119_and_no_duplicates():
    agencies_load()
    report = agencies_load()
    assert Agency.objects.count() == 119
    assert report.agencies_created == 0
    assert Commune.objects.count() == 99
    assert CommuneMerge.objects.count() == 316


@pytest.mark.django_db
def test_loaded_agencies_keep_their_parents_and_kinds():
    agencies_load()
    centre = Agency.objects.get(code="TTKHCNCDS")
    assert centre.parent.code == "SKHCN"
    assert Agency.objects.filter(kind=Agency.Kind.COMMUNE).count() == 99


@pytest.mark.django_db
def test_a_merged_agency_keeps_its_officers_and_history():
    old = AgencyFactory(code="OLD")
    new = AgencyFactory(code="NEW")
    person = officer(agency=old)
    officer_move(user=person, agency=old)

    agency_merge(sources=[old], into=new, on=datetime.date(2026, 7, 1))

    old.refresh_from_db()
    assert old.successor == new
    assert not old.is_current(datetime.date(2026, 7, 2))
    assert old.is_current(datetime.date(2026, 6, 30))
    assert AgencyMembership.objects.get(user=person).agency == old
    assert old.final_successor() == new


@pytest.mark.django_db
def test_current_agencies_exclude_merged_ones():
    old, new = AgencyFactory(code="OLD"), AgencyFactory(code="NEW")
    agency_merge(sources=[old], into=new, on=datetime.date(2026, 7, 1))
    current = Agency.objects.current(datetime.date(2026, 8, 1))
    assert new in current and old not in current


@pytest.mark.django_db
def test_an_agency_cannot_merge_into_itself():
    agency = AgencyFactory()
    with pytest.raises(ValueError):
        agency_merge(sources=[agency], into=agency, on=datetime.date(2026, 7, 1))


@pytest.mark.django_db
def test_moving_an_officer_closes_the_old_membership():
    first, second = AgencyFactory(code="A1"), AgencyFactory(code="A2")
    person = officer(agency=first)
    officer_move(user=person, agency=first)
    officer_move(user=person, agency=second)
    memberships = list(AgencyMembership.objects.filter(user=person))
    assert [m.agency.code for m in memberships] == ["A1", "A2"]
    assert memberships[0].ended_at is not None and memberships[1].ended_at is None
    person.profile.refresh_from_db()
    assert person.profile.agency == second
