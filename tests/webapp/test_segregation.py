"""Segregation of duties: the confirmer is never the author, the signer is neither of them; in
the workflow (a clear message in the page) and in the database (CHECK constraints)."""

import pytest
from django.contrib.auth.models import Group, User
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

PCT = ("E07000234", "hou_homeless_prevented_pct")
SHOWS = "More cases prevented since the new triage."


def enter_url(period):
    return reverse("enter", args=[*PCT, period.isoformat()])


def review_url(period):
    return reverse("review", args=[*PCT, period.isoformat()])


def sign_off_url(period):
    return reverse("sign_off", args=[*PCT, period.isoformat()])


def submit(client, period):
    response = client.post(
        enter_url(period),
        {
            "value": "72.5",
            "what_data_shows": SHOWS,
            "why": "A new triage service started.",
            "what_we_are_doing": "Keeping the triage.",
            "action": "submit",
        },
    )
    assert response.status_code == 302
    return response


def commentary():
    from webapp.officer.models import Commentary

    return Commentary.objects.get()


def give(user, *role_names):
    for name in role_names:
        user.groups.add(Group.objects.get(name=name))
    user.__dict__.pop("_bdc_roles", None)


def assign(role, user):
    from webapp.officer.models import MeasureAssignment

    MeasureAssignment.objects.filter(measure_id=PCT[1], council_code=PCT[0], role=role).update(
        user=user
    )


def confirmed_by_maya(people, sign_in):
    submit(sign_in(people.officer), people.due_month)
    assert sign_in(people.manager).post(review_url(people.due_month), {"action": "confirm"})
    assert commentary().status == "confirmed"


def test_manager_cannot_confirm_commentary_they_wrote(people, sign_in):
    """maya owns and manages the measure: she may write, but someone else must confirm."""
    give(people.manager, "Officer")
    assign("owner", people.manager)
    client = sign_in(people.manager)
    submit(client, people.due_month)

    page = client.get(review_url(people.due_month))
    assert page.status_code == 200
    assert "You wrote this commentary, so another manager must confirm it" in page.text
    assert 'value="confirm"' not in page.text

    refused = client.post(review_url(people.due_month), {"action": "confirm"})
    assert refused.status_code == 403
    assert "You wrote this commentary, so you can&#x27;t confirm it" in refused.text
    assert (commentary().status, commentary().confirmed_by) == ("submitted", None)

    assign("manager", people.other_manager)
    other = sign_in(people.other_manager)
    assert other.post(review_url(people.due_month), {"action": "confirm"}).status_code == 302
    assert (commentary().status, commentary().confirmed_by) == ("confirmed", "milo")


def test_database_refuses_a_confirmer_who_is_the_author(people, sign_in):
    submit(sign_in(people.officer), people.due_month)
    with pytest.raises(IntegrityError, match="commentary_confirmer_is_not_author"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "update input.commentary set status = 'confirmed', confirmed_by = author, "
                "confirmed_at = now()"
            )
    assert commentary().status == "submitted"


def test_director_signs_off_and_only_then_members_see_it(people, sign_in):
    confirmed_by_maya(people, sign_in)
    measure_page = reverse("measure", args=PCT)
    assert SHOWS not in sign_in(people.member).get(measure_page).text

    director = sign_in(people.director)
    queue = director.get(reverse("sign_off_list"))
    assert queue.status_code == 200 and people.due_month.strftime("%B %Y") in queue.text
    page = director.get(sign_off_url(people.due_month))
    assert page.status_code == 200 and "Sign off</button>" in page.text
    assert director.post(sign_off_url(people.due_month)).status_code == 302

    row = commentary()
    assert (row.status, row.confirmed_by, row.signed_off_by) == ("signed_off", "maya", "dev")
    assert row.signed_off_at is not None
    member_page = sign_in(people.member).get(measure_page).text
    assert SHOWS in member_page and "Signed off by dev" in member_page
    assert (
        "Nothing is waiting for you." in sign_in(people.director).get(reverse("sign_off_list")).text
    )


@pytest.mark.parametrize("duty", ["author", "confirmer"])
def test_director_who_wrote_or_confirmed_cannot_sign_off(people, sign_in, duty):
    give(people.director, "Officer" if duty == "author" else "Manager")
    assign("owner" if duty == "author" else "manager", people.director)
    writer = people.director if duty == "author" else people.officer
    confirmer = people.manager if duty == "author" else people.director
    submit(sign_in(writer), people.due_month)
    sign_in(confirmer).post(review_url(people.due_month), {"action": "confirm"})
    assert commentary().status == "confirmed"

    director = sign_in(people.director)
    page = director.get(sign_off_url(people.due_month))
    assert "another Director of this purpose must sign it off" in page.text
    assert "Sign off</button>" not in page.text
    assert "you wrote or confirmed it" in director.get(reverse("sign_off_list")).text
    refused = director.post(sign_off_url(people.due_month))
    assert refused.status_code == 403
    assert "You wrote or confirmed this commentary, so you can&#x27;t sign it off" in refused.text
    assert (commentary().status, commentary().signed_off_by) == ("confirmed", None)

    from webapp.officer.models import PurposeDirector

    second = User.objects.create_user("diana")
    give(second, "Director")
    PurposeDirector.objects.create(purpose_code="home", user=second)
    assert sign_in(second).post(sign_off_url(people.due_month)).status_code == 302
    assert (commentary().status, commentary().signed_off_by) == ("signed_off", "diana")


@pytest.mark.parametrize(
    ("change", "constraint"),
    [
        ("signed_off_by = author", "commentary_signer_is_neither_author_nor_confirmer"),
        ("signed_off_by = confirmed_by", "commentary_signer_is_neither_author_nor_confirmer"),
        ("signed_off_by = null", "commentary_signed_off_names_the_signer"),
    ],
)
def test_database_refuses_a_signer_who_is_the_author_or_confirmer(
    people, sign_in, change, constraint
):
    confirmed_by_maya(people, sign_in)
    with pytest.raises(IntegrityError, match=constraint):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"update input.commentary set status = 'signed_off', {change}, "
                "signed_off_at = now()"
            )
    assert commentary().status == "confirmed"


def test_database_refuses_a_sign_off_without_a_confirmation(people, sign_in):
    submit(sign_in(people.officer), people.due_month)
    with pytest.raises(IntegrityError, match="commentary_signer_is_neither_author_nor_confirmer"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "update input.commentary set status = 'signed_off', signed_off_by = 'dev', "
                "signed_off_at = now()"
            )


def test_only_directors_of_the_purpose_may_sign_off(people, sign_in):
    confirmed_by_maya(people, sign_in)
    from webapp.officer.models import PurposeDirector

    PurposeDirector.objects.filter(user=people.director).update(purpose_code="finance")
    director = sign_in(people.director)
    assert director.post(sign_off_url(people.due_month)).status_code == 403
    assert "Nothing is waiting for you." in director.get(reverse("sign_off_list")).text
    for person in (people.manager, people.officer, people.member):
        assert sign_in(person).post(sign_off_url(people.due_month)).status_code == 403
    assert commentary().status == "confirmed"


def test_submitted_commentary_cannot_be_signed_off(people, sign_in):
    submit(sign_in(people.officer), people.due_month)
    assert sign_in(people.director).post(sign_off_url(people.due_month)).status_code == 403
    assert commentary().status == "submitted"


def test_policy_team_cannot_make_the_owner_the_manager(people, sign_in):
    from webapp.officer.models import MeasureAssignment

    client = sign_in(people.policy)
    response = client.post(
        reverse("policy_owners"),
        {
            "kind": "measure",
            "measure-measure": f"{PCT[0]}|{PCT[1]}",
            "measure-role": "manager",
            "measure-username": "olivia",
        },
    )
    assert response.status_code == 400
    assert "olivia is already the owner of this measure" in response.text
    manager = MeasureAssignment.objects.get(measure_id=PCT[1], council_code=PCT[0], role="manager")
    assert manager.user == people.manager
