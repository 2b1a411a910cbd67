"""The pay-per-user dashboard's figures, each defined once in this package: the scope, shared
helpers and the records behind the figures (records), the figures of each kind (book, flows),
all of them gathered for one page (dashboard), and the drill-down table (drilldown).

Two kinds of figures:
- the book today (as of `Scope.today`), in book.py: active seats, ARR, MRR, penetration,
  whitespace, renewals due, and over the 12 months before today the renewal rate and net seat
  retention;
- flows in the chosen period, `Scope.start` to `Scope.end`, both days included, in flows.py:
  trial conversion, seats added and lost, deal sizes, quote win rate, time to go-live;
- seat usage, in usage.py: utilisation of the book, adoption after go-live, and the usage
  lists (expansion-ready, renewal at risk, over-deployed).

Each figure is a SQL aggregate over a records queryset defined once in records.py; the
drill-down page lists those same records (`RECORDS`). Pages and the API read each book's
default view from its stored snapshot (snapshot.py), which holds what `dashboard` computes. The whole dashboard is a constant number
of queries whatever the data size. The owner filter keeps the companies an account manager owns
and everything that hangs off them. Money is summed in the house currency
(settings.SEATDESK_CURRENCY: Seatdesk sells in one currency). Rates are Decimal fractions
(0.25 for 25 %), None when nothing was counted.
"""

from sales.metrics.book import (
    book_today,
    net_seat_retention,
    penetration,
    renewal_rate,
    renewals,
    renewals_by_month,
)
from sales.metrics.dashboard import book_figures, dashboard, period_figures
from sales.metrics.drilldown import RECORDS
from sales.metrics.flows import (
    deal_sizes,
    quote_win_rate,
    seat_growth,
    time_to_live,
    trial_conversion,
)
from sales.metrics.records import Scope, default_period, median_of, rate
from sales.metrics.usage import (
    UsageList,
    UsageRanking,
    adoption,
    usage_lists,
    usage_rankings,
    utilisation,
)

__all__ = [
    "Scope",
    "default_period",
    "rate",
    "median_of",
    "book_today",
    "renewals",
    "renewals_by_month",
    "renewal_rate",
    "net_seat_retention",
    "trial_conversion",
    "penetration",
    "seat_growth",
    "deal_sizes",
    "quote_win_rate",
    "time_to_live",
    "dashboard",
    "book_figures",
    "period_figures",
    "RECORDS",
    "UsageList",
    "UsageRanking",
    "usage_rankings",
    "utilisation",
    "adoption",
    "usage_lists",
]
