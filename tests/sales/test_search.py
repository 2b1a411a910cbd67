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


def test_the_header_search_lists_names_starting_with_the_query_first_then_the_others_by_name(
    client, account_manager
):
    from tests.accounts.factories import CompanyFactory, ContactFactory

    for name in ("Acme Atlas", "Atlas Works", "Blue Atlas"):
        CompanyFactory(name=name, owner=account_manager)
    company = CompanyFactory(name="Zed", owner=account_manager)
    ContactFactory(company=company, first_name="Ada", last_name="Bastan")
    ContactFactory(company=company, first_name="Ken", last_name="Tanaka")
    ContactFactory(company=company, first_name="Bo", last_name="Zed", email="tan@zed.example")
    client.force_login(account_manager)

    companies = client.get("/search/", {"q": "atlas"}).context["companies"]
    contacts = client.get("/search/", {"q": "Tan"}).context["contacts"]

    assert [c.name for c in companies] == ["Atlas Works", "Acme Atlas", "Blue Atlas"]
    assert [c.last_name for c in contacts] == ["Tanaka", "Bastan", "Zed"]


def test_among_more_matches_than_it_reads_the_header_search_shows_the_first_names(
    client, account_manager, monkeypatch
):
    """The names that start with the query are the first by name, not the first found."""
    from sales.views import search
    from tests.accounts.factories import CompanyFactory, ContactFactory

    monkeypatch.setattr(search, "MATCHES_READ", 2)
    monkeypatch.setattr(search, "RESULTS", 2)
    company = CompanyFactory(owner=account_manager)
    for first_name in ("Yuki", "Ken", "Aiko"):
        ContactFactory(company=company, first_name=first_name, last_name="Tanaka")
    client.force_login(account_manager)

    response = client.get("/search/", {"q": "tanaka"})

    assert [c.first_name for c in response.context["contacts"]] == ["Aiko", "Ken"]


def test_the_other_matches_fill_the_list_after_the_names_up_to_its_length(
    client, account_manager, monkeypatch
):
    from sales.views import search
    from tests.accounts.factories import CompanyFactory, ContactFactory

    monkeypatch.setattr(search, "RESULTS", 2)
    company = CompanyFactory(owner=account_manager)
    for last_name in ("Costanza", "Bastan", "Tanaka"):
        ContactFactory(company=company, first_name="Ada", last_name=last_name)
    client.force_login(account_manager)

    response = client.get("/search/", {"q": "tan"})

    assert [c.last_name for c in response.context["contacts"]] == ["Tanaka", "Bastan"]
    assert "Showing the first 2 by name" in response.content.decode()


def test_the_header_search_takes_as_many_queries_whether_names_fill_the_list_or_not(
    client, account_manager
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.accounts.factories import CompanyFactory, ContactFactory

    company = CompanyFactory(name="Tanaka Holdings", owner=account_manager)
    ContactFactory(company=company, last_name="Tanaka")
    client.force_login(account_manager)
    with CaptureQueriesContext(connection) as few:
        client.get("/search/", {"q": "tanaka"})

    ContactFactory.create_batch(25, company=company, last_name="Tanaka")
    for n in range(25):
        CompanyFactory(name=f"Tanaka {n}", owner=account_manager)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/search/", {"q": "tanaka"})

    assert len(response.context["contacts"]) == len(response.context["companies"]) == 20
    assert len(many) == len(few)
