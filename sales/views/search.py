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


def first_by_name(matches, rows) -> list:
    """The first RESULTS `rows` by name among the first MATCHES_READ `matches` in the table's
    order: a common word (4,500 "Zenith" companies, 14,000 Tanakas among 350,000 contacts) is
    neither read and sorted whole for 20 lines, nor found by walking the name index from "A"
    to "Z". The page says so when a list is full; typing more narrows the matches."""
    return list(rows.filter(pk__in=matches.order_by().values("pk")[:MATCHES_READ])[:RESULTS])


@require("view_companies")
def search(request):
    query = request.GET.get("q", "").strip()
    context = {"query": query, "companies": [], "contacts": [], "quotes": [], "results": RESULTS}
    user = request.user
    # No stored text holds a NUL character (PostgreSQL refuses one even in a filter): nothing
    # matches such a term.
    if query and "\x00" not in query:
        # By name, domain, email or number, through the trigram indexes (config/trigram.py).
        companies = visible(user, Company.objects.all()).filter(
            Q(name__icontains=query) | Q(domain__icontains=query)
        )
        context["companies"] = first_by_name(
            companies, Company.objects.order_by("name", "pk").select_related("owner")
        )
        context["contacts"] = first_by_name(
            visible(user, Contact.objects.search(query)),
            Contact.objects.by_name().select_related("company"),
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
