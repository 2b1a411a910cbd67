from sales.views import dashboard, exports, home, quotes

urlpatterns = [*home.urlpatterns, *quotes.urlpatterns, *exports.urlpatterns, *dashboard.urlpatterns]
