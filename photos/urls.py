"""Clinical photos: upload, the authenticated file view, comparison, voiding."""

app_name = "photos"

urlpatterns: list = []
