"""The API holds filter values to its schema: what django-filter (or a blank-tolerant form)
would read as "no filter" is a 400 naming the parameter, never the unfiltered list."""

import pytest
from django import forms
from django.http import QueryDict
from drf_spectacular.generators import SchemaGenerator
from rest_framework.exceptions import ValidationError

from config.api import refuse_malformed_query


@pytest.mark.parametrize(
    ("url", "query", "message"),
    [
        ("/api/v1/trials/", {"ends_before": ""}, "Enter a value, or leave the parameter out."),
        ("/api/v1/licenses/", {"ends_before": ""}, "Enter a value, or leave the parameter out."),
        ("/api/v1/licenses/", {"ends_after": "2026-1-5"}, "Enter a valid date."),
        ("/api/v1/licenses/", {"ends_after": "20260105"}, "Enter a valid date."),
        ("/api/v1/trials/", {"ends_after": "01/05/2026"}, "Enter a valid date."),
        ("/api/v1/trials/", {"state": ""}, "Enter a value, or leave the parameter out."),
        ("/api/v1/contacts/", {"is_primary": "null"}, "Enter true or false."),
        ("/api/v1/contacts/", {"is_primary": "1"}, "Enter true or false."),
        ("/api/v1/contacts/", {"is_primary": ""}, "Enter true or false."),
        ("/api/v1/onboardings/", {"owner": ""}, "Enter a value, or leave the parameter out."),
        ("/api/v1/onboardings/", {"owner": " 1"}, "Enter a whole number."),
        ("/api/v1/onboarding-tasks/", {"onboarding": "1.0"}, "Enter a whole number."),
        ("/api/v1/metrics/", {"start": ""}, "Enter a value, or leave the parameter out."),
        ("/api/v1/metrics/", {"end": "2026-02-30"}, "Enter a valid date."),
    ],
)
def test_an_empty_or_malformed_filter_is_a_400_naming_the_parameter(
    api_client, admin, url, query, message
):
    response = api_client(admin).get(url, query)

    assert response.status_code == 400, response.content
    assert response.json() == {name: [message] for name in query}


@pytest.mark.parametrize("url", ["/api/v1/exports/quotes.csv", "/api/v1/exports/licenses.csv"])
def test_an_export_with_an_empty_period_is_a_400_not_every_row(api_client, finance, url):
    response = api_client(finance).get(url, {"period_start": "", "owner": "x"})

    assert response.status_code == 400
    assert response.json()["period_start"] == ["Enter a value, or leave the parameter out."]
    assert response.json()["owner"] == ["Enter a whole number."]


def test_well_formed_filters_still_filter(api_client, admin, trial, license):
    client = api_client(admin)

    assert client.get("/api/v1/contacts/", {"is_primary": "true"}).status_code == 200
    ends_on = trial.ends_on.isoformat()
    assert client.get("/api/v1/trials/", {"ends_before": ends_on}).json()["count"] == 1
    assert client.get("/api/v1/metrics/", {"start": "2026-01-01"}).status_code == 200


def test_the_html_exports_page_keeps_reading_blank_fields_as_no_filter(client, finance):
    client.force_login(finance)

    assert client.get("/exports/quotes.csv", {"period_start": ""}).status_code == 200


def test_a_repeated_parameter_is_checked_in_each_of_its_values():
    class Form(forms.Form):
        day = forms.DateField()

    with pytest.raises(ValidationError) as refused:
        refuse_malformed_query(QueryDict("day=2026-01-01&day="), Form())

    assert refused.value.detail == {"day": ["Enter a value, or leave the parameter out."]}


def test_an_unknown_format_answers_the_404_the_schema_documents(api_client, finance):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    responses = schema["paths"]["/api/v1/exports/licenses.csv"]["get"]["responses"]

    assert "404" in responses
    response = api_client(finance).get("/api/v1/exports/licenses.csv", {"format": "AAA"})
    assert response.status_code == 404
