"""Routes of the accounts API, registered on the one v1 router in config/api.py."""

from . import views

routes = [
    ("organisations", views.OrganisationViewSet, "api-organisation"),
    ("units", views.UnitViewSet, "api-unit"),
]
urlpatterns: list = []  # `me/` is the cases API's (cases/api/me.py): it counts your items
