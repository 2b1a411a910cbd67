"""Page numbers over large lists without counting every row: what the pages, the API and the
admin share (no app imports: config/ is the ground floor)."""

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import Window
from django.db.models.functions import RowNumber
from django.db.models.sql import Query
from django.db.models.sql.where import WhereNode
from django.utils.functional import cached_property

# Beyond this many rows a list says "more than 10,000" instead of counting them all: a
# COUNT(*) over 100,000 rows on every page view costs more than the page itself.
COUNT_CAP = 10_000
SUBSTRING_LOOKUPS = {"contains", "icontains"}
# A search answers its first this many matches (as GitHub's search answers its first 1,000):
# a common word (14,000 Tanakas among 350,000 contacts) is neither read nor sorted whole to
# show 50 of them; a list that ends at this many is told to narrow the search.
SEARCH_LIMIT = 1_000


def first_matches(rows, text: str):
    """The `rows` that match `text` by their QuerySet's `search(text)`, at most SEARCH_LIMIT of
    them, in the search's order: the first matches in the order PostgreSQL reads them
    (through the trigram index), numbered as they come, the reading stopped at the limit
    (PostgreSQL ends a row_number() window at its bound), then only those sorted. Where fewer
    match, that is all of them, as before. The API's `?search=` and the admin's search box."""
    numbered = rows.search(text).alias(match_number=Window(RowNumber()))
    return numbered.filter(match_number__lte=SEARCH_LIMIT)


class CappedPaginator(Paginator):
    """Django's paginator over a queryset, whose count stops at `cap` rows (one COUNT over a
    LIMITed subquery). Below the cap it is exact and behaves as Django's. Above it, the page
    count covers the first `cap` rows ("last" is the last of those: search, filter or sort
    the other way to reach the rest), pages further on are still served, and whether a next
    page exists is known by reading one row more than the page shows."""

    cap = COUNT_CAP

    @cached_property
    def _counted(self) -> int:
        # Any cap + 1 rows will do: no sort, nor the figures (annotations) the rows carry.
        return self.object_list.order_by().values("pk")[: self.cap + 1].count()

    @property
    def is_capped(self) -> bool:
        return self._counted > self.cap

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.cap)

    @property
    def count_label(self) -> str:
        return f"more than {self.cap:,}" if self.is_capped else f"{self.count:,}"

    def validate_number(self, number):
        if number == "last":
            return self.num_pages
        if not self.is_capped:
            return super().validate_number(number)
        try:
            number = int(number)
        except (TypeError, ValueError) as error:
            raise PageNotAnInteger("That page number is not an integer") from error
        if number < 1:
            raise EmptyPage("That page number is less than 1")
        return number

    def get_page(self, number):
        try:
            return super().get_page(number)
        except EmptyPage:  # past the last row, beyond the cap: the last page within it
            return self.page(self.num_pages)

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        if not self.is_capped:
            top = bottom + self.per_page
            if top + self.orphans >= self.count:
                top = self.count
            return self._get_page(self._rows(bottom, top), number, self)
        rows = self._rows(bottom, bottom + self.per_page + 1)
        if not rows:
            raise EmptyPage("That page contains no results")
        return CappedPage(rows[: self.per_page], number, self, more=len(rows) > self.per_page)

    def _rows(self, bottom: int, top: int) -> list:
        return list(self.object_list[bottom:top])


class PaginatorByIds(CappedPaginator):
    """A CappedPaginator over model rows that finds the page among bare ids, then reads only
    that page's rows by id: `rows` (default: the list's queryset without its filters), so a
    deep page skips index entries, not joined rows (select_related) and computed figures
    (annotations).

    A list filtered through a subquery or a substring (a search, a status filter) reads the
    ids of its first `cap` + 1 rows in one query, counts them and takes the page from them:
    the search runs once per page view, not once to count and again to page. Asked for a
    page's 25 rows in order, PostgreSQL would rather walk the order's index testing each row
    (all the "Zenith" companies sit at the end of a name index: 95,000 rows read); asked for
    10,001, it reads the matches through their trigram index and sorts them. A plain list counts without
    order (any 10,001 rows: the cheapest) and reads only its page's ids in order: reading
    10,001 ids in order costs more than that on a table the vacuum has not yet marked visible
    (each id then visits its row)."""

    def __init__(self, object_list, per_page, *args, rows=None, **kwargs):
        super().__init__(object_list, per_page, *args, **kwargs)
        self.rows = rows

    @cached_property
    def _searched(self) -> bool:
        return _searches(self.object_list.query.where)

    @cached_property
    def _first_ids(self) -> list:
        return list(self.object_list.values_list("pk", flat=True)[: self.cap + 1])

    @cached_property
    def _counted(self) -> int:
        return len(self._first_ids) if self._searched else super()._counted

    def _rows(self, bottom: int, top: int) -> list:
        if self._searched and (top <= len(self._first_ids) or not self.is_capped):
            ids = self._first_ids[bottom:top]
        else:
            ids = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        rows = self._rows_by_id().in_bulk(ids)
        return [rows[pk] for pk in ids]

    def _rows_by_id(self):
        if self.rows is not None:
            return self.rows
        rows = self.object_list.all()
        if rows.query.group_by is None and not rows.query.distinct:
            # The ids already passed the list's filters (role, search, filters): read their
            # rows without them, so that a search's subqueries do not run a second time. Not
            # where a filter may shape the rows (an aggregate over a filtered join, DISTINCT).
            rows.query.where = WhereNode()
        return rows


def _searches(where: WhereNode) -> bool:
    """Whether a queryset's WHERE holds a subquery (`pk__in=<queryset>`, Exists) or a
    substring match (`contains`, `icontains`)."""
    for child in where.children:
        if isinstance(child, WhereNode):
            if _searches(child):
                return True
        elif (
            getattr(child, "subquery", False)
            or isinstance(getattr(child, "rhs", None), Query)
            or getattr(child, "lookup_name", None) in SUBSTRING_LOOKUPS
        ):
            return True
    return False


class CappedPage(Page):
    def __init__(self, object_list, number, paginator, *, more: bool):
        super().__init__(object_list, number, paginator)
        self.more = more

    def has_next(self) -> bool:
        return self.more

    def end_index(self) -> int:
        return (self.number - 1) * self.paginator.per_page + len(self.object_list)
