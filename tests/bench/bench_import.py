"""Importing companies and contacts: a CSV of 10,000 rows (5,000 new companies with a contact,
4,500 updates of existing companies and their contacts, 500 refused rows) read, checked (the
dry run) and applied (the check's decisions written) through the services the pages and the
Celery tasks call, on the database DATABASE_URL names (a copy of seatdesk_1k or seatdesk_100k
of its own is best; the run first removes the companies an earlier run made, which takes
minutes: a fresh copy is quicker). Target: read + check + apply in under 30 s. On a loaded
machine the wall time mostly measures the wait for a core: the Python process's own CPU time
is reported too."""

import time

from tests.bench.support import setup_django

ROWS = 10_000
EXISTING = 4_500
REFUSED = 500
DOMAIN = "bench-import.example"


def _csv() -> bytes:
    lines = ["Company,Website,Industry,Country,Headcount,Target seats,VAT,First name,"
             "Last name,Email,Job title"]  # fmt: skip
    for i in range(ROWS):
        headcount, target = (10, 50) if i >= ROWS - REFUSED else (200 + i % 50, 100)
        lines.append(
            f"Company {i},https://www.c{i}.{DOMAIN}/,Software,FR,{headcount},{target},"
            f"FR{10_000_000_000 + i},Ana,Lima {i},ana{i}@c{i}.{DOMAIN},Head of IT"
        )
    return ("\n".join(lines) + "\n").encode()


def bench_import() -> list[dict]:
    setup_django()
    from django.contrib.auth.models import Group, User

    from accounts import imports
    from accounts.models import Company, Contact, ImportJob
    from accounts.roles import Role

    Company.objects.filter(domain__endswith=DOMAIN).delete()
    user, _ = User.objects.get_or_create(username="bench-importer")
    user.groups.add(Group.objects.get(name=Role.ACCOUNT_MANAGER))
    existing = Company.objects.bulk_create(
        Company(name=f"Old {i}", domain=f"c{i}.{DOMAIN}", owner=user, employee_count=100)
        for i in range(ROWS - REFUSED - EXISTING, ROWS - REFUSED)
    )
    Contact.objects.bulk_create(
        Contact(company=company, first_name="Ana", last_name="Old", email=f"ana{i}@c{i}.{DOMAIN}")
        for i, company in zip(range(ROWS - REFUSED - EXISTING, ROWS), existing, strict=False)
    )
    content = _csv()

    cpu = time.process_time()
    started = time.perf_counter()
    job = imports.start_import(actor=user, name="bench.csv", content=content)
    read = time.perf_counter() - started
    started = time.perf_counter()
    job = imports.map_columns(job=job, mapping=job.mapping)  # the check runs on commit (eager)
    checked = time.perf_counter() - started
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED, job.error
    started = time.perf_counter()
    imports.request_apply(job=job, actor=user)
    applied = time.perf_counter() - started
    job.refresh_from_db()
    assert job.status == ImportJob.Status.APPLIED, job.error
    assert job.counts == {
        "created": ROWS - REFUSED - EXISTING, "updated": EXISTING, "unchanged": 0,
        "refused": REFUSED,
    }, job.counts  # fmt: skip
    assert Company.objects.filter(domain__endswith=DOMAIN).count() == ROWS - REFUSED
    total, cpu = read + checked + applied, time.process_time() - cpu
    return [
        {"name": "import: read a 10,000-row CSV", "value": round(read, 2), "unit": "s"},
        {"name": "import: check 10,000 rows (dry run)", "value": round(checked, 2), "unit": "s"},
        {"name": "import: apply 10,000 rows (the check's decisions written)",
         "value": round(applied, 2), "unit": "s"},
        {"name": "import: 10,000 rows, CPU time of the Python process", "value": round(cpu, 1),
         "unit": "s"},
        {"name": "import: 10,000 rows, read + check + apply", "value": round(total, 1),
         "unit": "s", "target": "< 30 s", "ok": total < 30},
    ]  # fmt: skip
