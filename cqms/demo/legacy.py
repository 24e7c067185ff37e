"""The plant's old complaint register (Excel), imported the way an administrator would: through
the import's check and all-or-nothing commit. It gives the statistics two years of history."""

from __future__ import annotations

import datetime as dt
import io
import random

from django.core.management.base import CommandError
from django.utils import timezone
from openpyxl import Workbook

from cqms.complaints.spreadsheets import import_spec
from cqms.customers.models import Customer
from cqms.spreadsheets import importer

# defect category code, defect description, part number, part name
DEFECTS = [
    ("appearance", "外观划伤，来料抽检发现", "P-2301", "外壳"),
    ("dimension", "孔径尺寸超差 +0.02 mm", "BF-FL-1208", "法兰"),
    ("packaging", "纸箱受潮破损，产品磕碰", "LN-MC-220", "电机端盖"),
    ("labelling", "标签批号与实物不符", "HJ-PCB-0415", "控制板"),
    ("function", "终检功能测试偶发失效", "JN-WH-310", "线束总成"),
    ("delivery", "交货数量短缺 20 件", "XC-BR-125", "支架"),
]
LEGACY_REFERENCE = "旧台账-"  # the old register's row numbers, kept as the customer reference
HEADERS = [
    "客户编码",
    "客户投诉编号",
    "收到时间",
    "严重度",
    "零件号",
    "零件名称",
    "数量",
    "缺陷类别",
    "缺陷描述",
]
ROWS = 18


def import_legacy_register(actor, *, now: dt.datetime | None = None) -> int:
    """Import ROWS closed complaints received 3 to 22 months ago; returns how many."""
    now = timezone.localtime(now or timezone.now())
    rng = random.Random(2024)  # noqa: S311  (repeatable demo data)
    codes = list(Customer.objects.order_by("code").values_list("code", flat=True)[:8])
    book = Workbook()
    sheet = book.active
    sheet.append([*HEADERS, "负责人", "结案日期"])
    for index in range(ROWS):
        received = now - dt.timedelta(days=90 + index * 33 + rng.randint(0, 20))
        received = received.replace(hour=rng.randint(8, 16), minute=0, second=0, microsecond=0)
        closed = received + dt.timedelta(days=rng.randint(6, 24))
        category, description, part, name = DEFECTS[index % len(DEFECTS)]
        sheet.append(
            [
                codes[index % len(codes)],
                f"{LEGACY_REFERENCE}{index + 1:03d}",
                received.strftime("%Y-%m-%d %H:%M"),
                "急件" if index % 7 == 0 else "普通件",
                part,
                name,
                rng.randint(3, 200),
                category,
                description,
                "qe",
                closed.strftime("%Y-%m-%d"),
            ]
        )
    content = io.BytesIO()
    book.save(content)
    content.seek(0)
    report = importer.commit(import_spec(), content, actor=actor, filename="客户抱怨台账.xlsx")
    if report.errors:
        raise CommandError(f"The demo's legacy register was refused: {report.errors[:3]}")
    return ROWS
