"""The seed's first-quarter sentence and figures, printed from the demo records."""

from __future__ import annotations

import pytest

from zoneops.economy.bulletin import bulletin_for
from zoneops.economy.demo import ZONE
from zoneops.economy.models import Region
from zoneops.economy.selectors import period_or_404, report_for

SEED = (
    "一季度,地区生产总值增幅全市第一;实现规模以上工业产值415亿元,增长25.3%,高于全市平均增幅12个百分点,"
    "列全市第一;实际利用外资3.52亿美元,增长162%;实现固定资产投资总额57.7亿元,增长10.1%,工业投资占比42.6%,"
    "较去年末提升17个百分点"
)


@pytest.mark.django_db
def test_bulletin_from_demo_records_is_the_seed_sentence(seeded, reader):
    report = report_for(reader, Region.objects.get(code=ZONE), period_or_404("2022Q1"))

    bulletin = bulletin_for(report)

    assert bulletin.text == SEED
    assert bulletin.omitted == []
