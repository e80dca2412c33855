"""Logging out tells the browser to drop what it keeps of the site (the inspections' offline
drafts, the service worker and its caches): `Clear-Site-Data: "storage"` on the response, and
every logout form carries the script hook (fugong/logout.js) that clears them first."""

from .conftest import PASSWORD


def test_the_logout_response_clears_the_site_storage(client, cast):
    assert client.login(username="jinxue", password=PASSWORD)
    page = client.get("/").content.decode()
    assert page.count("data-logout") >= 1 and "fugong/logout.js" in page
    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and response["Clear-Site-Data"] == '"storage"'
    assert "_auth_user_id" not in client.session
