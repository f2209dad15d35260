"""Demo passes: 142 rider passes of April 2022, freight and staff passes, green today, idempotent."""

from __future__ import annotations

import io

import pytest

from zoneops.accounts import demo as accounts_demo
from zoneops.enterprises import demo as enterprises_demo
from zoneops.passes import demo as passes_demo
from zoneops.passes import services
from zoneops.passes.models import Checkpoint, Pass, PassStatus, RevocationList, Scan

pytestmark = pytest.mark.django_db


class _Demo:
    def __init__(self):
        self.objects = {}
        self.out = io.StringIO()
        self.password = "Demo-pass-2022x"

    def say(self, text):
        self.out.write(text + "\n")


def test_demo_builds_the_seed_passes_idempotently(key_dir):
    demo = _Demo()
    accounts_demo.build(demo)
    enterprises_demo.build(demo)
    passes_demo.build(demo)
    riders_2022 = Pass.objects.filter(serial__startswith="SCJ-R-2022-")
    assert riders_2022.count() == 142
    assert riders_2022.filter(department__code="SCJ", issued_at__year=2022, issued_at__month=4).count() == 142
    first = Pass.objects.get(serial="SCJ-R-2022-0001")
    assert (first.holder_name, first.station.manager_name) == ("李嘉庆", "官鹏飞")
    assert Pass.objects.get(serial="SCJ-R-2022-0142").status == PassStatus.REVOKED
    freight = Pass.objects.filter(pass_type__code="freight", enterprise__name="南通星辰合成材料有限公司")
    assert freight.count() >= 3 and all(p.plate for p in freight)
    staff = Pass.objects.get(serial="KK-S-2022-0001")
    assert (staff.holder_name, staff.holder_user.username) == ("包颖杰", "gridworker")
    gate = Checkpoint.objects.get(code="ZYHY-N")
    today = [p for p in Pass.objects.exclude(serial__contains="-2022-")]
    assert sorted(p.pass_type.code for p in today) == ["freight", "rider", "rider", "staff", "temporary"]
    rider_today = next(p for p in today if p.holder_name == "李嘉庆")
    assert services.server_verify(rider_today.payload, gate).reason == "ok"
    assert services.server_verify(first.payload, gate).reason == "expired"
    assert RevocationList.objects.exists()
    counts = (Pass.objects.count(), Scan.objects.count(), Checkpoint.objects.count())
    passes_demo.build(demo)
    assert (Pass.objects.count(), Scan.objects.count(), Checkpoint.objects.count()) == counts
    assert list(key_dir.glob("*.pem"))
    msb = demo.objects["users"]["msb"]
    assert msb.has_perm("passes.add_pass")
    # The registries have their keepers: market supervision the stations and inspections, the checkpoint office
    # the checkpoints; neither holds the other's.
    from zoneops.accounts.models import User

    msb = User.objects.get(username="msb")
    assert msb.has_perm("passes.change_deliverystation") and msb.has_perm("passes.add_stationinspection")
    assert not msb.has_perm("passes.change_checkpoint")
    kk_officer = User.objects.filter(department__code="KK").first()
    assert kk_officer.has_perm("passes.add_checkpoint") and kk_officer.has_perm("passes.change_checkpoint")
    assert not kk_officer.has_perm("passes.add_stationinspection")
    assert services.latest_revocation_list() is not None  # the demo publishes one: GET answers at once
