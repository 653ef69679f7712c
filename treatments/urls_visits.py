"""visits URLs; names live in the `treatments` namespace."""

urlpatterns: list = []
