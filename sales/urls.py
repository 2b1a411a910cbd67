from sales.views import dashboard, drafts, exports, home, pipeline, portal, quotes, search

urlpatterns = [
    *home.urlpatterns,
    *search.urlpatterns,
    *quotes.urlpatterns,
    *drafts.urlpatterns,
    *exports.urlpatterns,
    *dashboard.urlpatterns,
    *pipeline.urlpatterns,
    *portal.urlpatterns,
]
