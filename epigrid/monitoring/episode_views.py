"""Observation episode pages: a region's episodes by tab, one episode, start, extend, release, convert."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from epigrid.core.access import ScopedRequest, requires, scoped
from epigrid.core.clock import local_today
from epigrid.core.models import User
from epigrid.lists.models import ListRow
from epigrid.lists.travel import Journey
from epigrid.monitoring import episodes as services
from epigrid.monitoring.episode_selectors import (
    STATUS_OPEN,
    STATUSES,
    episode_counts,
    episode_get_for_user,
    episode_page,
    list_row_for_start,
    list_row_journey,
    rooms_for_person_district,
    screening_entry_for_user,
)
from epigrid.monitoring.episodes import (
    CONVERT_REASONS,
    SOURCE_LIST_ROW,
    EpisodeError,
    episode_from_screening_entry,
    episode_start,
    episode_start_household,
    may_sign_off,
    outbreak_journey,
)
from epigrid.monitoring.models import Episode, Room
from epigrid.monitoring.policy import current_policy
from epigrid.monitoring.timeline import person_timeline
from epigrid.people.models import Person, ScreeningEntry, TravelRecord
from epigrid.people.selectors import person_get_for_user, present
from epigrid.regions.models import Level
from epigrid.regions.selectors import region_ancestors, region_get_for_user, region_roots_for_user

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_DATE_ERRORS = {"invalid": gettext_lazy("日期无效，请按 2020-01-28 的格式填写")}


class StartForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("观察类型"), choices=Episode.Kind.choices)
    basis = forms.ChoiceField(label=gettext_lazy("原因"), choices=Episode.Basis.choices)
    basis_note = forms.CharField(label=gettext_lazy("原因说明"), max_length=200, required=False)
    last_exposure = forms.DateField(
        label=gettext_lazy("末次暴露或返回日期"),
        required=False,
        widget=_DATE,
        error_messages=_DATE_ERRORS,
        help_text=gettext_lazy("不填则从今天起算"),
    )
    room = forms.TypedChoiceField(
        label=gettext_lazy("隔离点房间"), required=False, coerce=int, empty_value=None
    )
    with_household = forms.BooleanField(label=gettext_lazy("同户人员一并纳入居家观察"), required=False)

    def __init__(self, *args: object, rooms: list[Room], from_entry: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.rooms = {room.pk: room for room in rooms}
        self.fields["room"].choices = [("", "—"), *((r.pk, str(r)) for r in rooms)]  # type: ignore[attr-defined]
        if from_entry:
            # The visit's journey says why and since when: only the kind and the room are chosen.
            for name in ("basis", "basis_note", "last_exposure"):
                del self.fields[name]

    def chosen_room(self) -> Room | None:
        room_id = self.cleaned_data.get("room")
        return self.rooms.get(room_id) if room_id is not None else None


class ExtendForm(forms.Form):
    exposure_date = forms.DateField(
        label=gettext_lazy("新的暴露日期"), widget=_DATE, error_messages=_DATE_ERRORS
    )


class ConvertForm(forms.Form):
    reason = forms.ChoiceField(
        label=gettext_lazy("转归原因"),
        choices=[(r.value, r.label) for r in CONVERT_REASONS],
    )


@scoped
def episode_home(request: ScopedRequest) -> HttpResponse:
    """Send the user to the episodes of the top region they work in."""
    for root in region_roots_for_user(user=request.user):
        if root.level <= Level.GRID:
            return redirect("monitoring:episodes", root.pk)
    return render(request, "monitoring/episode_list.html", {"region": None})


@scoped
def episode_list(request: ScopedRequest, region_id: int) -> HttpResponse:
    """List a region's episodes by tab: under observation, due for release today, released, converted."""
    user = request.user
    region = region_get_for_user(user=user, region_id=region_id)
    if region.level > Level.GRID:
        raise Http404
    status = request.GET.get("status", STATUS_OPEN)
    if status not in STATUSES:
        status = STATUS_OPEN
    page = episode_page(
        user=user, region=region, status=status, page=request.GET.get("page"), request=request
    )
    counts = episode_counts(user=user, region=region)
    tabs = [
        ("open", _("观察中"), counts.open),
        ("due", _("今日期满待解除"), counts.due),
        ("released", _("已解除"), counts.released),
        ("converted", _("已转归"), counts.converted),
    ]
    context = {
        "region": region,
        "ancestors": [*region_ancestors(region=region, user=user), region],
        "status": status,
        "tabs": tabs,
        "page": page,
        "today": local_today(),
    }
    return render(request, "monitoring/episode_list.html", context)


@scoped
def episode_detail(request: ScopedRequest, episode_id: int) -> HttpResponse:
    """Show one episode with its checks and alert handling, and the actions the user may take."""
    user = request.user
    episode = episode_get_for_user(user=user, episode_id=episode_id, request=request)
    today = local_today()
    is_open = episode.status == Episode.Status.OPEN
    place = episode.grid or episode.district
    context = {
        "episode": episode,
        "view": present(person=episode.person, user=user),
        "timeline": person_timeline(user=user, person=episode.person),
        "days_left": (episode.planned_end - today).days,
        "due": is_open and episode.planned_end <= today,
        "may_write": is_open and user.caps.can_write,
        "may_release": is_open and episode.planned_end <= today and may_sign_off(user),
        "extend_form": ExtendForm(),
        "convert_form": ConvertForm(),
        "region": place,
        "ancestors": [*region_ancestors(region=place, user=user), place],
    }
    return render(request, "monitoring/episode_detail.html", context)


def _family_note(basis: str) -> str:
    if basis == Episode.Basis.OUTBREAK_RETURN:
        return _("来自或途经疫区返乡人员的同户人员")
    return _("观察对象的同户人员")


def _id_param(request: ScopedRequest, name: str) -> int | None:
    raw = request.GET.get(name, "")
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise Http404
    return int(raw)


def _row_initial(row: ListRow) -> tuple[dict[str, object], Journey | None]:
    """Return the start form's values a list row gives, and its journey when from the outbreak area."""
    journey = list_row_journey(row)
    outbreak = journey is not None and (journey.from_outbreak_area or journey.via_outbreak_area)
    note = _("%(source)s第%(batch)s批第%(row)s行") % {
        "source": row.batch.source.name,
        "batch": row.batch.number,
        "row": row.row_number,
    }
    initial: dict[str, object] = {
        "basis": Episode.Basis.OUTBREAK_RETURN if outbreak else Episode.Basis.OTHER,
        "basis_note": note[:200],
    }
    if journey is not None and journey.arrived_on is not None:
        initial["last_exposure"] = journey.arrived_on
    return initial, journey if outbreak else None


@scoped
@requires("can_write")
def episode_start_view(request: ScopedRequest, person_id: int) -> HttpResponse:
    """Put a person under observation; from a visit (``?entry=``) the journey gives basis and arrival.

    From a department list's row (``?row=``) the form is filled from the row (its journey, the list
    named in the note) and the episode records the row as its source.
    """
    user = request.user
    view = person_get_for_user(user=user, person_id=person_id, request=request)
    person = view.person
    entry_id, row_id = _id_param(request, "entry"), _id_param(request, "row")
    entry = (
        None
        if entry_id is None
        else screening_entry_for_user(user=user, entry_id=entry_id, person_id=person.pk)
    )
    row = None
    initial: dict[str, object] = {"kind": Episode.Kind.HOME, "basis": Episode.Basis.OUTBREAK_RETURN}
    journey: Journey | TravelRecord | None = outbreak_journey(entry) if entry is not None else None
    if row_id is not None and entry is None:
        row = list_row_for_start(user=user, row_id=row_id, person_id=person.pk)
        row_values, journey = _row_initial(row)
        initial.update(row_values)
    rooms = rooms_for_person_district(district_id=person.district_id)
    data = request.POST if request.method == "POST" else None
    form = StartForm(data, initial=initial, rooms=rooms, from_entry=entry is not None)
    status = 200
    if data is not None:
        status = 400
        if form.is_valid():
            try:
                with transaction.atomic():
                    episode = _start(user, person, form, entry, row)
            except EpisodeError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    _("已纳入医学观察，计划 %(day)s 解除。") % {"day": episode.planned_end.isoformat()},
                )
                return redirect("monitoring:episode", episode.pk)
    place = person.place
    context = {
        "form": form,
        "view": view,
        "entry": entry,
        "row": row,
        "journey": journey,
        "observation_days": _policy_days(),
        "region": place,
        "ancestors": [*region_ancestors(region=place, user=user), place],
        "has_errors": status == 400,
    }
    return render(request, "monitoring/episode_start.html", context, status=status)


def _policy_days() -> int:
    return current_policy().observation_days


def _start(
    user: User, person: Person, form: StartForm, entry: ScreeningEntry | None, row: ListRow | None
) -> Episode:
    """Start the person's episode from the form (and the visit or list row), then their household's."""
    kind = form.cleaned_data["kind"]
    room = form.chosen_room()
    if entry is not None:
        episode = episode_from_screening_entry(actor=user, entry=entry, kind=kind, room=room)
    else:
        episode = episode_start(
            actor=user,
            person=person,
            kind=kind,
            basis=form.cleaned_data["basis"],
            last_exposure=form.cleaned_data["last_exposure"],
            basis_note=form.cleaned_data["basis_note"],
            room=room,
            source_type=SOURCE_LIST_ROW if row is not None else "",
            source_id=row.pk if row is not None else None,
        )
    if form.cleaned_data["with_household"] and person.household is not None:
        episode_start_household(
            actor=user,
            household=person.household,
            kind=Episode.Kind.HOME,
            basis=Episode.Basis.OTHER,
            last_exposure=episode.last_exposure,
            source_type="episode",
            source_id=episode.pk,
            basis_note=_family_note(episode.basis),
        )
    return episode


def _action(request: ScopedRequest, episode_id: int) -> Episode | None:
    """Return the episode a POST acts on (404 outside the scope); None for any other method."""
    episode = episode_get_for_user(user=request.user, episode_id=episode_id, request=request)
    return episode if request.method == "POST" else None


@scoped
@requires("can_write")
def episode_release(request: ScopedRequest, episode_id: int) -> HttpResponse:
    """Release an episode whose period is over (village leader, town officer or HQ)."""
    episode = _action(request, episode_id)
    if episode is not None:
        try:
            services.episode_release(actor=request.user, episode=episode)
        except EpisodeError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已解除医学观察。"))
    return redirect("monitoring:episode", episode_id)


@scoped
@requires("can_write")
def episode_convert(request: ScopedRequest, episode_id: int) -> HttpResponse:
    """Close an episode with its reason: fever clinic, suspected case, transferred, other."""
    episode = _action(request, episode_id)
    if episode is not None:
        form = ConvertForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("请选择转归原因。"))
        else:
            try:
                services.episode_convert(
                    actor=request.user, episode=episode, reason=form.cleaned_data["reason"]
                )
            except EpisodeError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("医学观察已结束并记录转归原因。"))
    return redirect("monitoring:episode", episode_id)


@scoped
@requires("can_write")
def episode_extend(request: ScopedRequest, episode_id: int) -> HttpResponse:
    """Record a new exposure: the planned end moves later."""
    episode = _action(request, episode_id)
    if episode is not None:
        form = ExtendForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("请填写有效的暴露日期。"))
        else:
            try:
                episode = services.episode_extend(
                    actor=request.user, episode=episode, exposure_date=form.cleaned_data["exposure_date"]
                )
            except EpisodeError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(
                    request, _("观察期已延长，计划 %(day)s 解除。") % {"day": episode.planned_end.isoformat()}
                )
    return redirect("monitoring:episode", episode_id)
