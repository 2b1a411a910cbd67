from sales.views import dashboard, exports, home, quotes, search

urlpatterns = [
    *home.urlpatterns,
    *search.urlpatterns,
    *quotes.urlpatterns,
    *exports.urlpatterns,
    *dashboard.urlpatterns,
]
