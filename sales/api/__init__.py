"""Sales API, one module per subject; each lists its router `routes` and extra `urlpatterns`."""
