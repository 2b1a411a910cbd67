"""The header search: companies, contacts and (for roles that see them) quotes by number.
It lives in sales because it reads quotes, and nothing below sales may import them."""

from django.db.models import BooleanField, Q, Value
from django.shortcuts import render
from django.urls import path

from accounts.models import Company, Contact, starts_with
from accounts.roles import can, require, visible
from sales.models import Quote

RESULTS = 20
MATCHES_READ = 500


def first_by_name(rows, matches, starting: Q) -> list:
    """The first RESULTS of `matches` (some of `rows`) by name, the `rows` whose name starts
    with the query (`starting`, which implies a match) first; two queries whatever the matches.

    Those are read in order from the index of lower-cased names alone: 20 rows, even among
    14,000 Tanakas of 350,000 contacts (with the search's own conditions, PostgreSQL would
    rather read every match through the trigram indexes and sort them all). Only when fewer
    than RESULTS start so do the other matches (the query inside a name, in an email or a
    domain) fill the list, PostgreSQL skipping them otherwise: the first by name among the
    first MATCHES_READ found in the table's order, so that a common word is neither read and
    sorted whole for a few lines nor found by walking the name index from "A" to "Z"; only
    those shown are joined (select_related). The page says so when a list is full; typing
    more narrows the matches."""
    first = list(rows.filter(starting).by_name()[:RESULTS])
    # The second query runs either way (as many queries whatever the data), and does nothing
    # when the first filled the list: PostgreSQL reads no row under a false condition.
    fewer = Value(len(first) < RESULTS, output_field=BooleanField())
    found = matches.filter(fewer).exclude(pk__in=[row.pk for row in first])
    found = found.order_by().values("pk")[:MATCHES_READ]
    others = rows.model.objects.filter(pk__in=found).by_name().values("pk")[:RESULTS]
    return (first + list(rows.filter(pk__in=others).by_name()))[:RESULTS]


@require("view_companies")
def search(request):
    query = request.GET.get("q", "").strip()
    context = {"query": query, "companies": [], "contacts": [], "quotes": [], "results": RESULTS}
    user = request.user
    # No stored text holds a NUL character (PostgreSQL refuses one even in a filter): nothing
    # matches such a term.
    if query and "\x00" not in query:
        # By name, domain, email or number, through the trigram indexes (config/trigram.py).
        companies = visible(user, Company.objects.all())
        context["companies"] = first_by_name(
            companies,
            companies.filter(Q(name__icontains=query) | Q(domain__icontains=query)),
            starts_with("name", query),
        )
        contacts = visible(user, Contact.objects.select_related("company"))
        context["contacts"] = first_by_name(
            contacts, contacts.search(query), starts_with("last_name", query)
        )
        if can(user, "view_quotes"):
            context["quotes"] = (
                visible(user, Quote.objects.all())
                .filter(number__icontains=query)
                .with_parties()
                .order_by("number", "revision")[:RESULTS]
            )
    return render(request, "search.html", context)


urlpatterns = [path("search/", search, name="search")]
