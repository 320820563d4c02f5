from django.urls import include, path
from django.views.i18n import set_language

from epigrid.api.api import api
from epigrid.core import views as core_views
from epigrid.core.access import public
from epigrid.lists import counts_views, merge_views
from epigrid.lists import views as list_views
from epigrid.monitoring import alert_views, check_views, episode_views, print_views, selfreport_views
from epigrid.people import registry_views, screening_views
from epigrid.people import views as people_views
from epigrid.regions import staff_views
from epigrid.regions import views as region_views

regions_patterns = (
    [
        path("<int:region_id>/", region_views.region_detail, name="detail"),
        path("import/", region_views.region_import, name="import"),
        path("imports/<int:import_id>/", region_views.region_import_detail, name="import_detail"),
    ],
    "regions",
)
people_patterns = (
    [
        path("<int:person_id>/", people_views.person_detail, name="detail"),
        path("households/<int:household_id>/", people_views.household_detail, name="household"),
        path("households/<int:household_id>/place/", registry_views.household_place, name="household_place"),
        path("<int:person_id>/cadre/", registry_views.person_cadre, name="cadre"),
        path("search/", registry_views.search, name="search"),
        path("unplaced/", registry_views.unplaced, name="unplaced"),
    ],
    "people",
)

screenings_patterns = (
    [
        path("", screening_views.screening_home, name="home"),
        path("regions/<int:region_id>/", screening_views.screening_list, name="list"),
        path("<int:screening_id>/", screening_views.screening_detail, name="detail"),
        path("households/<int:household_id>/new/", screening_views.screening_new, name="new"),
        path("households/<int:household_id>/lookup/", screening_views.screening_lookup, name="lookup"),
        path("households/<int:household_id>/row/", screening_views.screening_row, name="row"),
    ],
    "screenings",
)

staff_patterns = (
    [
        path("", staff_views.staff_list, name="list"),
        path("new/", staff_views.staff_new, name="new"),
        path("<int:staff_id>/", staff_views.staff_detail, name="detail"),
    ],
    "staff",
)

lists_patterns = (
    [
        path("", list_views.batch_list, name="list"),
        path("<int:batch_id>/", list_views.batch_detail, name="detail"),
        path("review/", list_views.review_list, name="review"),
        path("counts/", counts_views.counts, name="counts"),
        path("rows/<int:row_id>/", list_views.review_row, name="review_row"),
        path("rows/<int:row_id>/move/", merge_views.row_move, name="row_move"),
        path("merge/<int:person_id>/", merge_views.merge_person, name="merge_person"),
        path("merges/<int:merge_id>/undo/", merge_views.unmerge, name="unmerge"),
    ],
    "lists",
)

monitoring_patterns = (
    [
        path("", episode_views.episode_home, name="home"),
        path("regions/<int:region_id>/episodes/", episode_views.episode_list, name="episodes"),
        path("episodes/<int:episode_id>/", episode_views.episode_detail, name="episode"),
        path("episodes/<int:episode_id>/release/", episode_views.episode_release, name="episode_release"),
        path("episodes/<int:episode_id>/convert/", episode_views.episode_convert, name="episode_convert"),
        path("episodes/<int:episode_id>/extend/", episode_views.episode_extend, name="episode_extend"),
        path("people/<int:person_id>/start/", episode_views.episode_start_view, name="start"),
        path("episodes/<int:episode_id>/check/", check_views.episode_phone_check, name="phone_check"),
        path("episodes/<int:episode_id>/link/", check_views.episode_link, name="link"),
        path("episodes/<int:episode_id>/form/", print_views.episode_form, name="episode_form"),
        path("households/<int:household_id>/qr/", check_views.household_sheet, name="household_sheet"),
        path("grids/<int:region_id>/roster/", alert_views.roster_page, name="roster"),
        path("grids/<int:region_id>/roster/check/", alert_views.roster_check, name="roster_check"),
        path("regions/<int:region_id>/not-reported/", alert_views.not_reported_page, name="not_reported"),
        path("alerts/", alert_views.alerts_page, name="alerts"),
        path("alerts/ack/", alert_views.alert_ack, name="ack"),
    ],
    "monitoring",
)

urlpatterns = [
    path("", core_views.root, name="root"),
    path("home/", core_views.home, name="home"),
    path("accounts/login/", core_views.login_view, name="login"),
    path("accounts/logout/", core_views.logout_view, name="logout"),
    path("accounts/password/", core_views.password_change_view, name="password_change"),
    path("accounts/tokens/", include("epigrid.core.token_urls")),
    path("i18n/setlang/", public(set_language), name="set_language"),
    path("healthz", core_views.healthz, name="healthz"),
    path("audit/", core_views.audit_list, name="audit"),
    path("regions/", include(regions_patterns)),
    path("people/", include(people_patterns)),
    path("screenings/", include(screenings_patterns)),
    path("staff/", include(staff_patterns)),
    path("lists/", include(lists_patterns)),
    path("monitoring/", include(monitoring_patterns)),
    path("cases/", include("epigrid.cases.urls")),
    path("checkpoints/", include("epigrid.checkpoints.urls")),
    path("resources/", include("epigrid.resources.urls")),
    path("reports/", include("epigrid.reports.urls")),
    path("dashboard/", include("epigrid.dashboard.urls")),
    path("measures/", include("epigrid.measurelog.urls")),
    path("volunteers/", include("epigrid.volunteers.urls")),
    path("followups/", include("epigrid.followups.urls")),
    path("clues/", include("epigrid.clues.urls")),
    path("triage/", include("epigrid.triage.urls")),
    path("risk/", include("epigrid.risk.urls")),
    path("public/", include("epigrid.publicinfo.urls")),
    path("forms/", include("epigrid.deptforms.urls")),
    path("r/<str:token>/", selfreport_views.self_report, name="self_report"),
    path("api/v1/", api.urls),
]
