"""An account manager's day, for locust: sign in, then page through one's companies, open
one, search, and now and then build a quote in the builder (two live price previews), save
it, send it and download its PDF. Every answer is checked for what the user would look at;
anything else counts as an error.

Run through `python -m loadtest.run` (which starts the processes), or alone against a running
Seatdesk: `locust -f loadtest/locustfile.py --headless --host https://127.0.0.1:8443 ...`.
The demo logins (`seed_demo`) `am` and `am2` sign in, one per simulated user in turn.
"""

import itertools
import os
import random
import re
from datetime import datetime
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

from locust import FastHttpUser, between, task

# The demo account managers: username, and the name the owner filter shows.
ACCOUNT_MANAGERS = itertools.cycle([("am", "Alice Martin"), ("am2", "Bruno Keller")])
PASSWORD = "demo"
# What the user types in the builder's empty start date: today where Seatdesk works.
TODAY = datetime.now(ZoneInfo(os.environ.get("TIME_ZONE", "Europe/Paris"))).date().isoformat()
COMPANY_LINK = re.compile(r'href="/companies/(\d+)/">([^<]+)<')
QUOTE_URL = re.compile(r"/quotes/(\d+)/$")


def problem(html: str | None) -> str:
    """What a page tells the user is wrong (its alerts and field errors), for the report."""
    found = re.findall(r'class="(?:alert[^"]*|invalid-feedback[^"]*)"[^>]*>(.*?)</div>', html or "")
    return " ".join(re.sub("<[^>]+>", " ", text).strip() for text in found)[:300]


class FormReader(HTMLParser):
    """The fields of a page's forms as a browser would submit them untouched: each input's
    value, each select's selected (or first) option, each textarea's text."""

    def __init__(self, html: str):
        super().__init__()
        self.fields: dict[str, str] = {}
        self.options: dict[str, list[str]] = {}
        self._select = self._textarea = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("checkbox", "radio", "submit"):
            self.fields[name] = attrs.get("value") or ""
        elif tag == "select" and name:
            self._select = name
            self.options[name] = []
            self.fields[name] = ""
        elif tag == "option" and self._select and attrs.get("value") is not None:
            options = self.options[self._select]
            if "selected" in attrs or not options:
                self.fields[self._select] = attrs["value"]
            options.append(attrs["value"])
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data


class AccountManager(FastHttpUser):
    wait_time = between(0.1, 0.5)

    def on_start(self):
        self.username, full_name = next(ACCOUNT_MANAGERS)
        page = self.client.get("/accounts/login/", name="/accounts/login/")
        fields = FormReader(page.text).fields
        fields.update(username=self.username, password=PASSWORD)
        with self.post("/accounts/login/", fields, name="/accounts/login/") as answer:
            if answer.status_code != 302:
                answer.failure(f"{self.username} could not sign in ({answer.status_code})")
        companies = self.check("/companies/", name="/companies/", expect=full_name)
        mine = re.search(rf'<option value="(\d+)">{full_name}</option>', companies.text or "")
        self.owner_id = mine.group(1) if mine else ""
        self.companies: dict[str, str] = {}
        self.company_list()

    def post(self, url: str, data: dict, *, name: str, htmx: bool = False):
        """A form POST as the browser sends it: the CSRF token, the Referer that HTTPS needs,
        htmx's header for the live previews; redirects are not followed (they are checked)."""
        headers = {
            "X-CSRFToken": next(
                (cookie.value for cookie in self.client.cookiejar if cookie.name == "csrftoken"), ""
            ),
            "Referer": self.host + url,
        }
        if htmx:
            headers["HX-Request"] = "true"
        return self.client.post(
            url,
            data=data,
            headers=headers,
            name=name,
            catch_response=True,
            allow_redirects=False,
        )

    def check(self, url: str, *, name: str, expect: str):
        with self.client.get(url, name=name, catch_response=True) as answer:
            if answer.status_code != 200 or expect not in (answer.text or ""):
                answer.failure(f"{answer.status_code}, without {expect!r}")
            return answer

    def preview(self, company_id: str, fields: dict) -> bool:
        """The builder's live price; False when the company licenses that product already
        (Seatdesk says so, rightly, and the user picks another)."""
        url = f"/quotes/new/price/?company={company_id}"
        with self.post(url, fields, name="/quotes/new/price/", htmx=True) as answer:
            text = answer.text or ""
            if "already licenses" in text:
                answer.success()
                return False
            if 'data-testid="total"' not in text:
                answer.failure(f"no price ({answer.status_code}): {problem(text)}")
            return True

    @task(3)
    def company_list(self):
        page = random.randint(1, 5)
        answer = self.check(
            f"/companies/?owner={self.owner_id}&page={page}",
            name="/companies/?owner=",
            expect="Companies",
        )
        self.companies.update(COMPANY_LINK.findall(answer.text or ""))

    @task(5)
    def company(self):
        company_id, name = random.choice(list(self.companies.items()))
        self.check(f"/companies/{company_id}/", name="/companies/[id]/", expect=name)

    @task(3)
    def search(self):
        _, name = random.choice(list(self.companies.items()))
        term = random.choice(name.split())
        self.check(f"/search/?q={term}", name="/search/?q=", expect=term)

    @task(1)
    def send_a_quote(self):
        company_id = random.choice(list(self.companies))
        builder = self.check(
            f"/quotes/new/?company={company_id}", name="/quotes/new/", expect="lines-0-product"
        )
        form = FormReader(builder.text or "")
        contacts = [value for value in form.options.get("contact", []) if value]
        products = [value for value in form.options.get("lines-0-product", []) if value]
        if not contacts:
            return  # a company without contacts: nobody to send a quote to
        fields = {
            **form.fields,
            "contact": contacts[0],
            "starts_on": form.fields.get("starts_on") or TODAY,
            "tax_percent": "20",
        }
        for product in random.sample(products, len(products)):
            fields["lines-0-product"] = product
            fields["lines-0-requested_seats"] = str(random.randint(1, 60))
            if self.preview(company_id, fields):
                break
        else:
            return  # the company licenses every product already: nothing new to quote
        fields["lines-0-requested_seats"] = str(random.randint(1, 60))  # the user types on
        self.preview(company_id, fields)
        with self.post(f"/quotes/new/?company={company_id}", fields, name="/quotes/new/") as saved:
            quote = QUOTE_URL.search(saved.headers.get("Location") or "")
            if saved.status_code != 302 or not quote:
                saved.failure(f"draft not saved ({saved.status_code}): {problem(saved.text)}")
                return
        quote_id = quote.group(1)
        with self.post(f"/quotes/{quote_id}/send/", {}, name="/quotes/[id]/send/") as sent:
            if sent.status_code != 302:
                sent.failure(f"not sent ({sent.status_code})")
                return
        self.check(f"/quotes/{quote_id}/", name="/quotes/[id]/", expect=" sent.")
        with self.client.get(
            f"/quotes/{quote_id}/pdf/", name="/quotes/[id]/pdf/", catch_response=True
        ) as pdf:
            if pdf.status_code != 200 or not (pdf.content or b"").startswith(b"%PDF"):
                pdf.failure(f"no PDF ({pdf.status_code})")
