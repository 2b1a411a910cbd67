def test_a_search_term_with_a_nul_character_finds_nothing_instead_of_failing(client, admin):
    client.force_login(admin)

    response = client.get("/search/", {"q": "a\x00b"})

    assert response.status_code == 200
    assert response.context["companies"] == []
