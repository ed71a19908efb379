"""The departments that deliver data to the hub (平安+ draws on 16 of them)."""

from django.db import migrations

DEPARTMENTS = [
    ("public_security", "市公安局", "Public Security Bureau", "公安"),
    ("traffic_police", "市公安局交通警察支队", "Traffic Police Detachment", "交警"),
    ("fire_rescue", "市消防救援支队", "Fire and Rescue Detachment", "消防"),
    ("emergency", "市应急管理局", "Emergency Management Bureau", "应急"),
    ("city_management", "市城市管理和综合执法局", "City Management and Law Enforcement Bureau", "城管"),
    ("market_regulation", "市市场监督管理局", "Market Regulation Administration", "市场监管"),
    ("petitions", "市信访局", "Petitions Bureau", "信访"),
    ("natural_resources", "市自然资源局", "Natural Resources Bureau", "自然资源"),
    ("health", "市卫生健康局", "Health Commission", "卫健"),
    ("ecology", "市生态环境局", "Ecology and Environment Bureau", "生态环境"),
    ("justice", "市司法局", "Justice Bureau", "司法"),
    ("civil_affairs", "市民政局", "Civil Affairs Bureau", "民政"),
    ("human_resources", "市人力资源和社会保障局", "Human Resources and Social Security Bureau", "人社"),
    ("water", "市水务局", "Water Affairs Bureau", "水务"),
    ("meteorology", "市气象局", "Meteorological Bureau", "气象"),
    ("hotline_12345", "市12345政务服务便民热线", "12345 Government Service Hotline", "12345"),
    (
        "political_legal",
        "市委政法委（平安办）",
        "Political and Legal Affairs Commission (Ping'an Office)",
        "政法委",
    ),
    ("civilization_office", "市文明办", "Civilization Office", "文明办"),
    ("procuratorate", "市人民检察院", "People's Procuratorate", "检察院"),
    ("consumer_council", "市消费者委员会", "Consumer Council", "消委会"),
]


def seed(apps, schema_editor):
    Department = apps.get_model("org", "Department")
    for code, name, name_en, short in DEPARTMENTS:
        Department.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "short_name": short}
        )


class Migration(migrations.Migration):
    dependencies = [("org", "0002_auditlog_append_only")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
