"""Every page an officer, a manager, a Director, the Policy Team and a member can reach, in
headless Chromium: axe-core finds no WCAG 2.2 AA violations and the Nu HTML Checker no errors,
including the entry form and the return form with errors; after a failed submit the error
summary has the focus; and no page shows a code, an id or a snake_case name."""

import re
from urllib.parse import urljoin, urlsplit

import pytest
from django.db import connection

from tests.support.officer_pages import (
    BROMSGROVE,
    PCT,
    axe_violations,
    drop_entry_marts,
    nu_errors,
    officer_stylesheet,  # noqa: F401 (a fixture)
    seed_entry_marts,
)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("officer_stylesheet"),
]

# What a reader must never see in a page's text: ONS codes, measure ids or other snake_case.
INTERNAL = re.compile(r"\bE0[5-9]\d{6}\b|\b[a-z]+_[a-z0-9_]+\b")
# Links that are not pages: downloads and the stylesheet.
NOT_PAGES = (".csv", ".xlsx", ".css")
MAX_PAGES = 100


@pytest.fixture
def marts(people):
    with connection.cursor() as cursor:
        seed_entry_marts(cursor, people.due_month)
    yield people
    with connection.cursor() as cursor:  # the live server's rows are committed: undo them
        drop_entry_marts(cursor)


def page_check(problems: dict[str, list[str]]):
    """check(page)(name): axe-core's violations and any internal name in the page's text,
    recorded in `problems` under the page's name."""

    def check(page):
        def run(url):
            found = axe_violations(page)
            codes = sorted(set(INTERNAL.findall(page.inner_text("body"))))
            if codes:
                found = [*found, f"internal names in the text: {codes}"]
            if found:
                problems[url] = found

        return run

    return check


def error_summary_has_focus(page) -> bool:
    """After a failed submit GOV.UK Frontend moves the focus to the error summary as its script
    starts; wait for that (a busy machine may not have run it yet) rather than read it at once."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(
            "document.activeElement?.classList.contains('govuk-error-summary')", timeout=15_000
        )
    except PlaywrightTimeout:
        return False
    return True


def crawl(page, start: str, check) -> dict[str, str]:
    """Each page reachable by links from `start` (GET only), checked; {url: HTML source}."""
    origin = urlsplit(start).netloc
    seen: dict[str, str] = {}
    queue = [start]
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        if url in seen:
            continue
        response = page.goto(url)
        # 503: a page whose warehouse tables are not built yet says so (officer/not_built.html)
        assert response.ok or response.status == 503, f"{url}: HTTP {response.status}"
        seen[url] = response.text()
        check(url)
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
            target = urljoin(url, href).split("#")[0]
            parts = urlsplit(target)
            if parts.netloc == origin and not parts.path.endswith(NOT_PAGES):
                if target not in seen and target not in queue:
                    queue.append(target)
    return seen


def test_officer_and_manager_pages_pass_axe_and_the_nu_checker(
    marts, sign_in_as, live_server, tmp_path
):
    from webapp.officer.models import Commentary

    problems: dict[str, list[str]] = {}

    check = page_check(problems)

    sources: dict[str, str] = {}
    officer = sign_in_as("olivia")
    sources |= crawl(officer, live_server.url + "/", check(officer))
    enter = f"{live_server.url}/measures/{BROMSGROVE}/{PCT}/{marts.due_month.isoformat()}/enter/"
    assert enter in sources, "the entry form is reachable from the officer's pages"

    # The entry form after a failed submit: the error summary has the focus.
    officer.goto(enter)
    officer.get_by_label("Value").fill("seventy")
    officer.get_by_label("Numerator (optional)").fill("1e3")
    officer.get_by_role("button", name="Submit for confirmation").click()
    assert error_summary_has_focus(officer)
    sources["entry form with errors"] = officer.content()
    check(officer)("entry form with errors")

    Commentary.objects.create(
        measure_id=PCT,
        council_code=BROMSGROVE,
        period_start=marts.due_month,
        what_data_shows="Up again.",
        why="The triage service.",
        what_we_are_doing="Keeping it; review in March.",
        author="olivia",
        status="submitted",
    )
    manager = sign_in_as("maya")
    sources |= crawl(manager, live_server.url + "/", check(manager))
    review = f"{live_server.url}/review/{BROMSGROVE}/{PCT}/{marts.due_month.isoformat()}/"
    assert review in sources, "the review page is reachable from the manager's pages"
    manager.goto(review)
    manager.get_by_role("button", name="Return with this reason").click()
    assert error_summary_has_focus(manager)
    sources["return form with errors"] = manager.content()
    check(manager)("return form with errors")
    manager.goto(live_server.url + "/review/")
    manager.get_by_role("button", name="Confirm selected").click()
    sources["confirm selected with nothing ticked"] = manager.content()
    check(manager)("confirm selected with nothing ticked")

    assert len(sources) >= 8
    assert problems == {}, "\n".join(f"{u}\n  " + "\n  ".join(p) for u, p in problems.items())
    errors = nu_errors(sources, tmp_path)
    assert errors == [], "\n".join(errors)


def test_director_policy_and_member_pages_pass_axe_nu_and_show_no_codes(
    marts, sign_in_as, live_server, tmp_path
):
    problems: dict[str, list[str]] = {}

    check = page_check(problems)

    sources: dict[str, str] = {}
    for username in ("dev", "priya", "councillor"):
        page = sign_in_as(username)
        sources |= crawl(page, live_server.url + "/", check(page))
    assert any("/director/" in url for url in sources) and any("/policy/" in url for url in sources)
    assert problems == {}, "\n".join(f"{u}\n  " + "\n  ".join(p) for u, p in problems.items())
    errors = nu_errors(sources, tmp_path)
    assert errors == [], "\n".join(errors)


def test_sign_in_pages_pass_axe_and_the_nu_checker(
    people, settings, chromium, live_server, tmp_path
):
    """Sign-in with the council account on (a provider started here): the sign-in page with its
    button, the form with errors, the lockout page, each refusal page, and the browser's whole
    round trip through the provider into the app."""
    import secrets

    from tests.support import oidc_provider

    provider = oidc_provider.Provider(
        client_id="performance-dashboard",
        client_secret=secrets.token_urlsafe(32),
        redirect_uri=live_server.url + "/accounts/oidc/callback/",
    )
    server, _ = oidc_provider.start(provider)
    oidc_provider.switch_on(settings, provider.endpoints())
    people.officer.email = "olivia@bromsgrove.gov.uk"
    people.officer.save()
    people.partner.email = "police@example.org"
    people.partner.is_active = False
    people.partner.save()
    for person in (people.manager, people.other_manager):
        person.email = "managers@bromsgrove.gov.uk"
        person.save()

    problems: dict[str, list[str]] = {}
    sources: dict[str, str] = {}
    context = chromium.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)

    def record(name: str) -> None:
        sources[name] = page.content()
        page_check(problems)(page)(name)

    try:
        page.goto(live_server.url + "/")
        assert "/accounts/login/" in page.url
        button = page.get_by_role("button", name="Sign in with your council account")
        assert button.is_visible()
        record("sign-in page")
        page.get_by_role("button", name="Sign in", exact=True).click()
        assert error_summary_has_focus(page)
        record("sign-in form with errors")

        for email, heading in (
            ("stranger@bromsgrove.gov.uk", "You do not have an account for this service yet"),
            ("police@example.org", "Your account has been switched off"),
            ("managers@bromsgrove.gov.uk", "We cannot tell which account is yours"),
            ("", "Your council account did not give an email address"),
        ):
            provider.person = {"email": email}
            page.goto(live_server.url + "/accounts/login/")
            page.get_by_role("button", name="Sign in with your council account").click()
            page.wait_for_load_state()
            assert page.get_by_role("heading", level=1).inner_text() == heading
            record(heading)
        # A provider whose token fails its checks (here, the wrong client secret).
        settings.OIDC_RP_CLIENT_SECRET = "not-the-secret"
        provider.person = {"email": "olivia@bromsgrove.gov.uk"}
        page.goto(live_server.url + "/accounts/login/")
        page.get_by_role("button", name="Sign in with your council account").click()
        page.wait_for_load_state()
        assert page.get_by_role("heading", level=1).inner_text() == "Sign-in did not work"
        record("sign-in did not work")
        settings.OIDC_RP_CLIENT_SECRET = provider.client_secret

        # The whole round trip in the browser, Content-Security-Policy and all.
        page.goto(live_server.url + "/accounts/login/?next=/my-work/")
        page.get_by_role("button", name="Sign in with your council account").click()
        page.wait_for_load_state()
        assert page.url == live_server.url + "/my-work/"
        assert "Signed in as olivia" in page.inner_text("header")

        locked = chromium.new_context()
        page = locked.new_page()
        for _ in range(settings.AXES_FAILURE_LIMIT + 1):
            page.goto(live_server.url + "/accounts/login/")
            page.get_by_label("Username").fill("maya")
            page.get_by_label("Password").fill("wrong")
            page.get_by_role("button", name="Sign in", exact=True).click()
        assert "Too many failed sign-in attempts" in page.content()
        record("account locked")
        locked.close()
    finally:
        context.close()
        server.shutdown()
        server.server_close()

    assert problems == {}, "\n".join(f"{u}\n  " + "\n  ".join(p) for u, p in problems.items())
    errors = nu_errors(sources, tmp_path)
    assert errors == [], "\n".join(errors)


def test_the_nu_checker_finds_errors_when_there_are_some(tmp_path):
    broken = "<!DOCTYPE html><html lang=en><title>x</title><p id=a><p id=a><div aria-describedby=b>"
    errors = nu_errors({"broken page": broken}, tmp_path)
    assert any("Duplicate ID" in e for e in errors), errors
    assert all(e.startswith("broken page: ") for e in errors)
