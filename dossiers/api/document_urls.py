"""URLs of files, the citizen's data store and e-result verification."""

urlpatterns: list = []
