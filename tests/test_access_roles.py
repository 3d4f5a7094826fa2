"""Each role against each page: one table, and a guard that no GET page is missing from it."""
from __future__ import annotations

import pytest

ROLES = ("admin", "organiser", "instructor", "grader", "learner", "student", None)  # None = anonymous
STAFF_VIEW = {"admin", "organiser"}
EVERYONE = {"admin", "organiser", "instructor", "grader", "learner", "student"}

# url -> roles that may open it (everyone else logged in gets 403; anonymous is sent to login).
PAGES = {
    "/": EVERYONE,
    "/profile": EVERYONE,
    "/password": EVERYONE,
    "/admin/users": {"admin"},
    "/admin/users/new": {"admin"},
    "/admin/users/{user_id}": {"admin"},
    "/orgs/": STAFF_VIEW,
    "/orgs/staff": STAFF_VIEW,
    "/orgs/positions": {"admin"},
    "/orgs/new": {"admin"},
    "/orgs/{org_id}": {"admin"},
    "/orgs/staff/export.xlsx": STAFF_VIEW,
    "/orgs/staff/import": {"admin"},
    "/orgs/staff/import/template.xlsx": {"admin"},
    "/orgs/staff/new": {"admin"},
    "/orgs/staff/{person_id}": {"admin"},
}
PUBLIC = {"/login", "/lang/<code>", "/static/<path:filename>"}


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
@pytest.mark.parametrize("url", sorted(PAGES))
def test_role_page_table(client, login, make_user, make_org, make_person, role, url):
    target = make_user("target-user")
    org = make_org("ORG-1", "Sở Thử nghiệm")
    person = make_person("CB-1", org)
    if role is not None:
        login(role)
    response = client.get(url.format(user_id=target.id, org_id=org.id, person_id=person.id))
    if role is None:
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    elif role in PAGES[url]:
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
    else:
        assert response.status_code == 403
        assert "Không có quyền truy cập" in response.get_data(as_text=True)


def _normalise(rule: str) -> str:
    return (rule.replace("<int:user_id>", "{user_id}").replace("<int:org_id>", "{org_id}")
            .replace("<int:person_id>", "{person_id}"))


def test_every_get_page_is_in_the_table(app):
    """A new page must state who may open it: add it to PAGES (or PUBLIC) above."""
    missing = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule in PUBLIC:
            continue
        if _normalise(rule.rule) not in PAGES:
            missing.append(rule.rule)
    assert not missing, f"pages without an access row: {missing}"
