"""The `epigrid` command: every Django management command, plus demo, serve and worker."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time

from epigrid import config
from epigrid.config import Config

USAGE_EXTRA = """
EpiGrid commands:
  epigrid demo [--size small|district|city] [--no-server]
                     create the local SQLite database, load the demo district, run web server + worker
  epigrid serve      run the production web server (granian, WSGI)
  epigrid worker     run the background task worker (django-tasks-db)
  epigrid api-token create --user NAME --name WHAT [--days N] | list | revoke ID
                     personal API tokens for machine clients (the token is printed once)
  epigrid analytics rt --incidence FILE.csv --si-mean D --si-sd D [--window 7] [--output OUT.csv]
                     Rt (Cori et al.) from a date,local[,imported] CSV, the same numbers as EpiEstim
  epigrid <django command> ...   any Django management command (migrate, createsuperuser, ...)
"""


def _fail(message: str) -> int:
    sys.stderr.write(f"epigrid: {message}\n")
    return 2


def _check_config() -> Config | None:
    try:
        return config.load()
    except config.ConfigError as exc:
        _fail(f"configuration error: {exc}")
        return None


def _django_command(argv: list[str]) -> int:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["epigrid", *argv])
    return 0


def serve(argv: list[str]) -> int:
    """Run granian: cross-platform (an office PC may run Windows), one binary wheel, WSGI workers."""
    cfg = _check_config()
    if cfg is None:
        return 2
    from granian import Granian
    from granian.constants import Interfaces

    Granian(
        target="epigrid.wsgi:application",
        address=cfg.host,
        port=cfg.port,
        interface=Interfaces.WSGI,
        workers=cfg.web_workers,
        blocking_threads=cfg.web_threads,
        respawn_failed_workers=True,
        log_access=False,
    ).serve()
    return 0


def worker(argv: list[str]) -> int:
    """Run the django-tasks-db worker loop."""
    if _check_config() is None:
        return 2
    return _django_command(["db_worker", *argv])


def _stop_on_signals() -> list[int]:
    """Turn Ctrl-C and SIGTERM into a flag the demo's loop watches; returns that flag (a list)."""
    received: list[int] = []

    def handler(signum: int, frame: object) -> None:
        received.append(signum)

    # Installed explicitly: a shell's background job starts with SIGINT ignored, and then Python
    # would not raise KeyboardInterrupt either.
    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)
    return received


def demo(argv: list[str]) -> int:
    """Prepare the demo database and run the web server and the worker until Ctrl-C."""
    os.environ.setdefault("EPIGRID_MODE", "demo")
    cfg = _check_config()
    if cfg is None:
        return 2
    import django

    django.setup()
    from django.core.management import call_command

    parser = argparse.ArgumentParser(prog="epigrid demo", description="Run the EpiGrid demo locally.")
    parser.add_argument("--size", choices=["small", "district", "city"], default="small")
    parser.add_argument("--no-server", action="store_true", help="prepare the database and stop")
    options = parser.parse_args(argv)
    started = time.monotonic()
    call_command("migrate", interactive=False, verbosity=0)
    call_command("load_demo", size=options.size, if_empty=True)
    from epigrid.demo.accounts import demo_accounts_ensure

    accounts = demo_accounts_ensure()
    from epigrid.core.models import User
    from epigrid.demo.lists import demo_lists_load

    hq = User.objects.filter(username="hq").first()
    batches = demo_lists_load(uploader=hq) if hq is not None else []
    if batches:
        rows = sum(int(b.summary.get("rows", 0)) for b in batches)
        review = sum(int(b.summary.get("review", 0)) for b in batches)
        print(f"部门名单 department lists: {len(batches)} batches, {rows} rows linked, {review} to review")
    from epigrid.demo.outbreak import demo_outbreak_load

    outbreak = demo_outbreak_load(staff=User.objects.filter(username="village").first())
    if outbreak.episodes:
        print(
            f"医学观察 observation: {outbreak.episodes} people, {outbreak.checks} checks, "
            f"{outbreak.fevers} fevers, {outbreak.missed} missed slots"
        )
    from epigrid.demo.cases import demo_cases_load

    demo_cases = demo_cases_load(actor=hq)
    if demo_cases.cases:
        print(
            f"病例与密接 cases: {demo_cases.cases} people classified, {demo_cases.contacts} contacts, "
            f"{demo_cases.measures} measures"
        )
    from epigrid.demo.epidemic import demo_epidemic_load

    epidemic = demo_epidemic_load(actor=hq)
    if epidemic.cases:
        print(f"疫情曲线 epidemic: {epidemic.cases} cases over six weeks ({epidemic.imported} imported)")
    from epigrid.demo.risk import demo_risk_load

    demo_risk = demo_risk_load()
    if demo_risk.towns:
        print(
            f"风险等级 risk levels today: {demo_risk.low} low, {demo_risk.medium} medium, "
            f"{demo_risk.high} high of {demo_risk.towns} towns"
        )
    from epigrid.demo.facilities import demo_facilities_load

    demo_facilities = demo_facilities_load()
    if demo_facilities.hospitals:
        print(
            f"医疗机构 facilities: {demo_facilities.hospitals} hospitals, {demo_facilities.clinics} "
            f"fever clinics, {demo_facilities.occupied}/{demo_facilities.beds} beds in use"
        )
    from epigrid.demo.measurelog import demo_measurelog_load

    demo_measures = demo_measurelog_load()
    if demo_measures.entries:
        print(
            f"防控措施 measures log: {demo_measures.entries} entries in {demo_measures.units} units, "
            f"{demo_measures.sealed} compounds sealed ({demo_measures.reopened} reopened)"
        )
    from epigrid.demo.reports import demo_reports_load

    demo_reports = demo_reports_load()
    if demo_reports.reports:
        print(
            f"日报告 daily reports: {demo_reports.reports} submitted ({demo_reports.late} late, "
            f"{demo_reports.zero} zero, {demo_reports.revisions} revised), {demo_reports.missing} missing"
        )
    from epigrid.demo.checkpoints import demo_checkpoints_load

    demo_checkpoints = demo_checkpoints_load()
    if demo_checkpoints.checkpoints:
        print(
            f"卡口 checkpoints: {demo_checkpoints.checkpoints}, {demo_checkpoints.passages} passages "
            f"({demo_checkpoints.people} people, {demo_checkpoints.turned_back} turned back, "
            f"{demo_checkpoints.fever} fevers), {demo_checkpoints.handovers} handovers"
        )
    from epigrid.demo.hubs import demo_hubs_load

    demo_hubs = demo_hubs_load()
    if demo_hubs.checkpoints:
        print(
            f"交通枢纽 transport hub: {demo_hubs.travellers} travellers, {demo_hubs.fever} fevers "
            f"({demo_hubs.in_room} in the observation room, {demo_hubs.released} released, "
            f"{demo_hubs.to_clinic} to the fever clinic), {demo_hubs.handovers} handovers, "
            f"{demo_hubs.outside} on the outside-district list"
        )
    from epigrid.demo.volunteers import demo_volunteers_load

    demo_volunteers = demo_volunteers_load()
    if demo_volunteers.teams:
        print(
            f"志愿者与值班 volunteers: {demo_volunteers.teams} teams, {demo_volunteers.volunteers} members, "
            f"{demo_volunteers.duties} duty shifts ({demo_volunteers.double_bookings} double-booked, "
            f"{demo_volunteers.uncovered} uncovered)"
        )
    from epigrid.demo.followups import demo_followups_load

    demo_tasks = demo_followups_load()
    if demo_tasks.tasks:
        print(
            f"任务 follow-up tasks: {demo_tasks.tasks} ({demo_tasks.open} open, "
            f"{demo_tasks.overdue} overdue, {demo_tasks.done} done)"
        )
    from epigrid.demo.clues import demo_clues_load

    demo_clues = demo_clues_load()
    if demo_clues.clues or demo_clues.entries:
        print(
            f"线索与居民报告 clues: {demo_clues.clues} clues ({demo_clues.rumours} rumours), "
            f"{demo_clues.entries} residents' reports to review ({demo_clues.quarantined} quarantined)"
        )
    from epigrid.demo.roads import demo_roads_load

    demo_roads = demo_roads_load()
    if demo_roads.network is not None and demo_roads.network.analysis:
        summary = demo_roads.network.analysis["summary"]
        print(
            f"路网 roads: {demo_roads.network.edge_count} segments, {summary['entries']} entries, "
            f"{summary['blind_spots']} blind spots, {summary['proposals']} points proposed"
        )
    from epigrid.demo.supplies import demo_supplies_load

    demo_supplies = demo_supplies_load()
    if demo_supplies.depots:
        print(
            f"防护物资 supplies: {demo_supplies.depots} depots, {demo_supplies.movements} ledger lines, "
            f"{demo_supplies.short} short / {demo_supplies.out} out, {demo_supplies.requests} open requests"
        )
    from epigrid.demo.triage import demo_triage_load

    triage = demo_triage_load()
    if triage.visits:
        print(
            f"预检分诊 fever clinics: {triage.visits} visits in 7 days ({triage.excluded} excluded, "
            f"{triage.fever_unexcluded} fever not excluded, {triage.suspected} suspected, "
            f"{triage.admitted} admitted, {triage.home_observation} home observation, "
            f"{triage.new_people} new people), {triage.fever_rooms} township fever room"
        )
    from epigrid.demo.publicinfo import demo_publicinfo_load

    demo_public = demo_publicinfo_load()
    if demo_public.bulletins:
        print(
            f"信息公开 public information: {demo_public.bulletins} bulletins published, "
            f"{demo_public.hotlines} hotlines, {demo_public.guidance} guidance texts; "
            f"page {demo_public.public_path}"
        )
    url = f"http://{cfg.host}:{cfg.port}/"
    password = accounts[0].password if accounts else "-"
    print(f"\nEpiGrid 演示 / demo — 演示账号 (demo accounts), 密码 password: {password}")
    for account in accounts:
        print(f"  {account.username:<12} {account.role_label:<10} {account.region_name}")
    print(f"\n打开 Open {url}   (准备用时 ready in {time.monotonic() - started:.1f} s; Ctrl-C 停止 stops)\n")
    sys.stdout.flush()
    if options.no_server:
        return 0
    env = dict(os.environ)
    children = [
        subprocess.Popen([sys.executable, "-m", "epigrid.cli", "worker"], env=env),
        subprocess.Popen(
            [sys.executable, "-m", "epigrid.cli", "serve"],
            env={**env, "EPIGRID_WEB_WORKERS": env.get("EPIGRID_WEB_WORKERS", "1")},
        ),
    ]
    stop = _stop_on_signals()
    try:
        while not stop and all(child.poll() is None for child in children):
            time.sleep(0.2)
    finally:
        # SIGTERM, not SIGINT: children started in the background of a shell have SIGINT ignored.
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
    failed = [child.returncode for child in children if child.returncode and child.returncode > 0]
    return failed[0] if failed else 0


COMMANDS = {"demo": demo, "serve": serve, "worker": worker}
# Spellings of Django commands whose module name cannot hold a hyphen.
ALIASES = {"api-token": "api_token"}


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "epigrid.settings")
    if args and args[0] in ALIASES:
        args[0] = ALIASES[args[0]]
    if args and args[0] in COMMANDS:
        return COMMANDS[args[0]](args[1:])
    if not args or args[0] in ("help", "-h", "--help"):
        print(USAGE_EXTRA)
    return _django_command(args)


if __name__ == "__main__":
    sys.exit(main())
