"""The header search: companies, contacts and (for roles that see them) quotes by number.
It lives in sales because it reads quotes, and nothing below sales may import them."""

from django.db.models import Q
from django.shortcuts import render
from django.urls import path

from accounts.models import Company, Contact
from accounts.roles import can, require, visible
from sales.models import Quote

RESULTS = 20
CONTACTS_READ = 500


@require("view_companies")
def search(request):
    query = request.GET.get("q", "").strip()
    context = {"query": query, "companies": [], "contacts": [], "quotes": [], "results": RESULTS}
    user = request.user
    # No stored text holds a NUL character (PostgreSQL refuses one even in a filter): nothing
    # matches such a term.
    if query and "\x00" not in query:
        # By name, domain, email or number, through the trigram indexes (config/trigram.py).
        context["companies"] = (
            visible(user, Company.objects.all())
            .filter(Q(name__icontains=query) | Q(domain__icontains=query))
            .select_related("owner")[:RESULTS]
        )
        # The first CONTACTS_READ matches in the table's order, then the first of them by
        # name: a common name (14,000 Tanakas among 350,000 contacts) is not read and sorted
        # whole for 20 lines; typing more of it narrows the matches.
        matches = visible(user, Contact.objects.search(query)).order_by().values("pk")
        context["contacts"] = (
            Contact.objects.filter(pk__in=matches[:CONTACTS_READ])
            .by_name()
            .select_related("company")[:RESULTS]
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
