from django.urls import path

from clinics import views

app_name = "clinics"

urlpatterns = [
    path("sites/", views.site_list, name="site-list"),
    path("sites/new/", views.site_create, name="site-create"),
    path("sites/<int:pk>/", views.site_detail, name="site-detail"),
    path("sites/<int:pk>/edit/", views.site_edit, name="site-edit"),
    path("sites/<int:pk>/hours/", views.site_hours, name="site-hours"),
    path("sites/<int:pk>/staff/", views.site_staff, name="site-staff"),
    path("sites/<int:pk>/letterhead/", views.site_letterhead, name="site-letterhead"),
    path("sites/<int:pk>/closures/new/", views.closure_create, name="closure-add"),
    path("closures/<int:pk>/remove/", views.closure_delete, name="closure-remove"),
    path("clinicians/<int:pk>/hours/", views.clinician_hours, name="clinician-hours"),
    path("absences/", views.absence_list, name="absence-list"),
    path("absences/new/", views.absence_create, name="absence-add"),
    path("absences/<int:pk>/cancel/", views.absence_delete, name="absence-cancel"),
]
