def test_a_search_term_with_a_nul_character_finds_nothing_instead_of_failing(client, admin):
    client.force_login(admin)

    response = client.get("/search/", {"q": "a\x00b"})

    assert response.status_code == 200
    assert response.context["companies"] == []


def test_the_header_search_lists_contacts_by_name_and_says_when_there_are_more(
    client, account_manager
):
    from tests.accounts.factories import CompanyFactory, ContactFactory

    company = CompanyFactory(owner=account_manager)
    for first_name in ("Yuki", "Aiko", "Ken"):
        ContactFactory(company=company, first_name=first_name, last_name="Tanaka")
    client.force_login(account_manager)

    response = client.get("/search/", {"q": "tanaka"})

    assert [c.first_name for c in response.context["contacts"]] == ["Aiko", "Ken", "Yuki"]
    assert "Showing the first" not in response.content.decode()
    ContactFactory.create_batch(20, company=company, last_name="Tanaka")
    response = client.get("/search/", {"q": "tanaka"})
    assert len(response.context["contacts"]) == 20
    assert "Showing the first 20 by name" in response.content.decode()
