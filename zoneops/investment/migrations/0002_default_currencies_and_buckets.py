"""Default data: the base currency and common ones, and the two reporting thresholds Chinese bulletins use."""

from decimal import Decimal

from django.db import migrations

CURRENCIES = [("CNY", "人民币", True), ("USD", "美元", False), ("EUR", "欧元", False), ("HKD", "港元", False),
              ("JPY", "日元", False), ("GBP", "英镑", False)]


def forwards(apps, schema_editor):
    Currency = apps.get_model("investment", "Currency")
    ThresholdBucket = apps.get_model("investment", "ThresholdBucket")
    for code, name, base in CURRENCIES:
        Currency.objects.get_or_create(code=code, defaults={"name": name, "is_base": base})
    cny = Currency.objects.get(code="CNY")
    usd = Currency.objects.get(code="USD")
    if not ThresholdBucket.objects.exists():
        ThresholdBucket.objects.create(label="总投资5亿元以上项目", amount=Decimal("500000000"), currency=cny,
                                       comparison="gte", applies_to="all", order=10)
        ThresholdBucket.objects.create(label="3000万美元以上外资项目", amount=Decimal("30000000"), currency=usd,
                                       comparison="gte", applies_to="foreign", order=20)


class Migration(migrations.Migration):
    dependencies = [("investment", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
