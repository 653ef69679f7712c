"""The access log is read on its own pages (accesslog.views), not in the
admin: the admin's list would count the whole table on every page."""
