"""The header search: companies, contacts and (for roles that see them) quotes by number.
It lives in sales because it reads quotes, and nothing below sales may import them."""

from django.db.models import Q
from django.shortcuts import render
from django.urls import path

from accounts.models import Company, Contact
from accounts.roles import can, require, visible
from sales.models import Quote

RESULTS = 20
MATCHES_READ = 500


def first_by_name(rows, matches, query: str) -> list:
    """The first RESULTS of `matches` (some of `rows`) by name (their by_name order), the
    `rows` whose name starts with `query` first: these match it too, and are read in that
    order from the index of lower-cased names alone, 20 rows even among 14,000 Tanakas of
    350,000 contacts (with the search's own conditions, PostgreSQL would rather read every
    match through their trigram indexes and sort them). Only when fewer than RESULTS start so
    do the other matches (the query inside a name, in an email or a domain) fill the list:
    the first by name among the first MATCHES_READ found in the table's order, so that a
    common word is neither read and sorted whole for a few lines nor found by walking the
    name index from "A" to "Z"; their names are sorted before the rows are joined
    (select_related) for the few shown. The page says so when a list is full; typing more
    narrows the matches."""
    first = list(rows.name_starts_with(query).by_name()[:RESULTS])
    if len(first) == RESULTS:
        return first
    found = matches.exclude(pk__in=[row.pk for row in first]).order_by().values("pk")
    names = rows.model.objects.filter(pk__in=found[:MATCHES_READ]).by_name().values("pk")
    return first + list(rows.filter(pk__in=names[: RESULTS - len(first)]).by_name())


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
            query,
        )
        contacts = visible(user, Contact.objects.select_related("company"))
        context["contacts"] = first_by_name(contacts, contacts.search(query), query)
        if can(user, "view_quotes"):
            context["quotes"] = (
                visible(user, Quote.objects.all())
                .filter(number__icontains=query)
                .with_parties()
                .order_by("number", "revision")[:RESULTS]
            )
    return render(request, "search.html", context)


urlpatterns = [path("search/", search, name="search")]
