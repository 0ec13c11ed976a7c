"""The sign-in form's wording (issue 15)."""


def test_an_empty_sign_in_form_says_what_is_missing(client, db):
    response = client.post("/accounts/login/", {"login": "", "password": ""})
    assert response.status_code == 200
    text = response.content.decode()
    assert "This field is required." not in text
    summary = text.split('govuk-error-summary__list">')[1].split("</ul>")[0]
    assert '<a href="#id_login">Enter your username or email address.</a>' in summary
    assert '<a href="#id_password">Enter your password.</a>' in summary
    assert '<span class="govuk-visually-hidden">Error:</span> Enter your password.' in text
