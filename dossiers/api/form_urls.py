"""URLs of the official forms as PDFs (Mẫu 01–07)."""

urlpatterns: list = []
