"""`epigrid privacy purge`: who is anonymised, what is kept, dry run, idempotence, refused dates, audit."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from epigrid.cases.models import CaseStatus, Classification, ClassificationChange
from epigrid.core.models import AuditEvent
from epigrid.lists.models import ListRow
from epigrid.monitoring.models import Episode
from epigrid.monitoring.policy import current_policy
from epigrid.people.models import Person, TravelRecord
from epigrid.privacy.purge import MIN_AGE_DAYS, PREFIX, eligible_people
from epigrid.regions.models import Household
from epigrid.reports.indicators import indicator_values, report_cutoff
from tests import factories as f

TODAY = timezone.localdate()
BEFORE = TODAY - dt.timedelta(days=30)


def _episode(person: Person, *, started_days_ago: int, ended_days_ago: int | None) -> Episode:
    policy = current_policy()
    started = TODAY - dt.timedelta(days=started_days_ago)
    closed = ended_days_ago is not None
    return Episode.objects.create(
        person=person, district_id=person.district_id, town_id=person.town_id, village_id=person.village_id,
        grid_id=person.grid_id, household_id=person.household_id, kind=Episode.Kind.HOME,
        basis=Episode.Basis.OUTBREAK_RETURN, basis_note="与张某同车返回", policy=policy, started_on=started,
        last_exposure=started, planned_end=started + dt.timedelta(days=policy.observation_days),
        status=Episode.Status.RELEASED if closed else Episode.Status.OPEN,
        end_reason=Episode.EndReason.RELEASED if closed else "",
        ended_at=timezone.now() - dt.timedelta(days=ended_days_ago) if closed else None,
    )  # fmt: skip


def _classify(person: Person, classification: str, days_ago: int) -> None:
    at = timezone.now() - dt.timedelta(days=days_ago)
    CaseStatus.objects.create(
        person=person, classification=classification, since=at, district_id=person.district_id,
        town_id=person.town_id, village_id=person.village_id, grid_id=person.grid_id,
    )  # fmt: skip
    ClassificationChange.objects.create(
        person=person, to_classification=classification, at=at, reason="病例张某的同事", note="电话核实"
    )


@pytest.fixture
def scene(world):
    """张伟 and 曾强 observed and released two months ago (曾强 recovered); 王芳 never observed; 李娜
    released but still a suspect; 赵敏 under observation now; 钱七 released only ten days ago."""
    zeng = Person.objects.get(name="曾强")
    wife = Person.objects.get(name="王芳")
    recent = f.person(world.hh_b1, "钱七")
    _episode(world.zhang, started_days_ago=70, ended_days_ago=56)
    _episode(zeng, started_days_ago=70, ended_days_ago=56)
    _classify(zeng, Classification.RECOVERED, 50)
    _episode(world.li, started_days_ago=70, ended_days_ago=56)
    _classify(world.li, Classification.SUSPECTED, 60)
    _episode(world.outsider_person, started_days_ago=3, ended_days_ago=None)
    _episode(recent, started_days_ago=24, ended_days_ago=10)
    TravelRecord.objects.create(
        person=world.zhang,
        origin="湖北武汉",
        from_outbreak_area=True,
        companions="妻子王芳",
        transport_no="鄂A12345",
    )
    return {"zeng": zeng, "wife": wife, "recent": recent}


def _personal(person: Person) -> tuple[object, ...]:
    person.refresh_from_db()
    return (person.name, person.id_number, person.phone, person.birth_date, person.name_key)


def _snapshot() -> list[tuple[object, ...]]:
    return [
        *Person.objects.order_by("pk").values_list("name", "id_number", "phone", "birth_date", "name_key"),
        *Household.objects.order_by("pk").values_list("address", "head_name"),
        *ListRow.objects.order_by("pk").values_list("name", "id_number", "phone", "raw", "fields"),
        *TravelRecord.objects.order_by("pk").values_list("companions", "transport_no"),
        *Episode.objects.order_by("pk").values_list("basis_note"),
        *ClassificationChange.objects.order_by("pk").values_list("reason", "note"),
    ]


def _run(*args: str) -> str:
    out = StringIO()
    call_command("privacy", "purge", "--before", BEFORE.isoformat(), *args, stdout=out)
    return out.getvalue()


def test_only_people_released_before_the_date_and_under_no_watch_are_eligible(world, scene):
    chosen = set(eligible_people(BEFORE).values_list("pk", flat=True))
    assert chosen == {world.zhang.pk, scene["zeng"].pk}


def test_the_dry_run_counts_per_table_and_changes_nothing(world, scene):
    before = _snapshot()
    output = _run("--dry-run")
    assert _snapshot() == before
    assert "DRY RUN" in output and "people whose episodes all closed" in output
    lines = {line.split()[0]: int(line.split()[1]) for line in output.splitlines() if line.startswith("  ")}
    assert lines["people.Person"] == 2
    assert lines["regions.Household"] == 1  # 曾强 lives alone; 张伟's wife keeps their address
    assert lines["people.TravelRecord"] == 1 and lines["monitoring.Episode"] == 2
    assert lines["cases.ClassificationChange"] == 1 and lines["lists.ListRow"] == 1
    assert not AuditEvent.objects.filter(object_type="privacy_purge").exists()


def test_the_run_anonymises_exactly_the_eligible_people_and_keeps_what_statistics_need(world, scene):
    zhang, zeng = world.zhang, scene["zeng"]
    birth = zhang.birth_date
    untouched = {p: _personal(p) for p in (scene["wife"], world.li, world.outsider_person, scene["recent"])}
    output = _run()
    zhang.refresh_from_db()
    assert (zhang.name, zhang.id_number, zhang.phone, zhang.name_key) == (f"{PREFIX}{zhang.pk}", "", "", "")
    assert zhang.birth_date == dt.date(birth.year, 1, 1)
    assert (zhang.sex, zhang.grid_id, zhang.household_id) == ("M", world.grid_a.pk, world.hh_a1.pk)
    assert _personal(zeng)[0] == f"{PREFIX}{zeng.pk}"
    for person, values in untouched.items():
        assert _personal(person) == values
    assert Household.objects.get(pk=zeng.household_id).address == f"{PREFIX}户{zeng.household_id}"
    assert Household.objects.get(pk=world.hh_a1.pk).address == "甲村一组1号"
    travel = TravelRecord.objects.get(person=zhang)
    assert (travel.companions, travel.transport_no, travel.origin) == ("", "", "湖北武汉")
    assert set(Episode.objects.filter(person__in=[zhang, zeng]).values_list("basis_note", flat=True)) == {""}
    assert Episode.objects.get(person=world.li).basis_note == "与张某同车返回"
    change = ClassificationChange.objects.get(person=zeng)
    assert (change.reason, change.note, change.to_classification) == ("", "", Classification.RECOVERED)
    assert ClassificationChange.objects.get(person=world.li).reason == "病例张某的同事"
    row = ListRow.objects.get(person=zhang)
    assert (row.name, row.id_number, row.phone, row.raw, row.fields) == ("", "", "", [], {})
    assert ListRow.objects.get(pk=world.hq_review_row.pk).phone  # unlinked, uploaded today: kept
    event = AuditEvent.objects.get(object_type="privacy_purge")
    assert event.action == AuditEvent.Action.UPDATE and event.detail["people"] == 2
    assert event.detail["rows"]["people.Person"] == 2 and event.detail["before"] == BEFORE.isoformat()
    assert "张伟" not in str(event.detail)
    assert "one audit event recorded" in output


def test_past_days_figures_are_the_same_after_the_purge(world, scene):
    days = [TODAY - dt.timedelta(days=n) for n in (65, 57, 40)]
    figures = [indicator_values(world.district, report_cutoff(day)) for day in days]
    assert any(value for values in figures for value in values.values())
    _run()
    assert [indicator_values(world.district, report_cutoff(day)) for day in days] == figures


def test_running_twice_changes_nothing_the_second_time(world, scene):
    _run()
    after_first = _snapshot()
    output = _run()
    assert _snapshot() == after_first
    assert "0 rows changed in total" in output
    second = AuditEvent.objects.filter(object_type="privacy_purge").order_by("-pk").first()
    assert second is not None and set(second.detail["rows"].values()) == {0}


@pytest.mark.parametrize(
    ("offset", "message"),
    [(-1, "是未来的日期"), (MIN_AGE_DAYS - 1, f"距今不足{MIN_AGE_DAYS}天"), (0, f"距今不足{MIN_AGE_DAYS}天")],
)
def test_a_date_in_the_future_or_within_28_days_is_refused(world, scene, offset, message):
    day = TODAY - dt.timedelta(days=offset)
    before = _snapshot()
    with pytest.raises(CommandError, match=message) as refused:
        call_command("privacy", "purge", "--before", day.isoformat(), stdout=StringIO())
    latest = (TODAY - dt.timedelta(days=MIN_AGE_DAYS)).isoformat()
    assert latest in str(refused.value)
    assert _snapshot() == before


def test_the_oldest_allowed_date_is_28_days_ago(world, scene):
    day = TODAY - dt.timedelta(days=MIN_AGE_DAYS)
    call_command("privacy", "purge", "--before", day.isoformat(), "--dry-run", stdout=StringIO())


def test_old_travellers_lists_and_merged_records_go_too_but_not_what_someone_under_watch_is_in(world, scene):
    from epigrid.checkpoints.models import Disposition, Passage, PassagePerson
    from epigrid.checkpoints.services import PassageInput, PersonInput, passage_register
    from epigrid.lists.models import ListBatch

    twin = world.hq_merge.absorbed  # a duplicate of 张伟 merged into him
    station = world.checkpoint_a
    old = TODAY - dt.timedelta(days=40)

    def arrive(name: str, id_number: str = "") -> Passage:
        return passage_register(
            actor=world.checkpoint, checkpoint=station,
            data=PassageInput(
                vehicle_type="car", plate="鄂A12345", disposition=Disposition.LET_THROUGH,
                local_contact="表哥王五",
                people=[PersonInput(name=name, id_number=id_number, phone="13800138000", temperature="36.5")],
            ),
        ).passage  # fmt: skip

    stranger = arrive("过路人")
    watched = arrive("李娜", world.li.id_number)
    Passage.objects.filter(pk__in=[stranger.pk, watched.pk]).update(day=old)
    ListBatch.objects.filter(pk=world.hq_batch.pk).update(
        created_at=timezone.now() - dt.timedelta(days=40), content=b"name,id\n"
    )
    _run()
    twin.refresh_from_db()
    assert (twin.name, twin.id_number, twin.phone) == (f"{PREFIX}{twin.pk}", "", "")
    traveller = PassagePerson.objects.get(passage=stranger)
    assert (traveller.name, traveller.phone) == (f"{PREFIX}旅客{traveller.pk}", "")
    assert Passage.objects.filter(pk=stranger.pk, plate="", local_contact="").exists()
    kept = PassagePerson.objects.get(passage=watched)
    assert (kept.name, kept.id_number) == ("李娜", world.li.id_number)
    assert Passage.objects.get(pk=watched.pk).local_contact == "表哥王五"
    review = ListRow.objects.get(pk=world.hq_review_row.pk)
    assert (review.name, review.phone, review.fields) == ("", "", {})
    assert bytes(ListBatch.objects.get(pk=world.hq_batch.pk).content) == b""
