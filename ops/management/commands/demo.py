"""``undersigned demo [--once]``: a short statement to look at, loaded through the same import
path editors use (a Markdown file with front matter, translations and an image)."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from PIL import Image, ImageDraw

from ops.importing import import_statement_file
from statements.importer import ImportFileError, statement_url
from statements.models import Statement

DEMO_SLUG = "keep-the-library-lights-on"
IMAGE_NAME = "library-at-dusk.png"
CLOCK_NAME = "nine-oclock.png"

STATEMENT = """\
---
title: Keep the library lights on
slug: {slug}
language: en
category: Opinion
date: {date}
summary: >-
  A call to keep the Riverside public library open in the evenings, when the people who need
  it most can actually come.
issued_by:
  - Friends of Riverside Library
  - Evening Shift Workers' Network
signed_on:
  - Asociación Vecinal Las Moreras
  - North Quay Tenants' Union
  - Ciclistas del Barrio Sur
featured_image:
  file: {image}
  alt: A drawing of the library at dusk, a low building under a dark blue sky with one window lit
  caption: The Riverside library at dusk, as our members imagine it in winter.
featured_image_credit: Riverside Demo Drawing Club
status: published
signature_moderation: organisations
comment_moderation: first
translations:
  - statement.es.md
  - statement.ar.md
---
The Riverside library closes at five in the afternoon. Most of the people who need it most —
night-shift cleaners, bus drivers, students who work to pay their rent — finish work after six.
For them the library is a building they walk past with the doors already locked.

## What we ask

1. Open the library until nine in the evening, Monday to Friday.
2. Keep the study room warm in winter, so nobody has to choose between heating and homework.
3. Ask the people who use the library before the hours are changed again.

> A library that closes before the working day ends is a library for somebody else.

![A drawing of a round clock whose hands point to nine o'clock](nine-oclock.png "Nine in \
the evening: the hour we ask the doors to close. Credit: Marisol Quintero")

| | Opening hours now | What we ask |
| --- | :---: | :---: |
| Monday to Friday | 10:00–17:00 | 10:00–21:00 |
| Saturday | 10:00–14:00 | 10:00–18:00 |

We are neighbours, library users and workers. We do not ask for a new building or a new
service: only that the one we have stays open when we are free to use it.

{{lang=es}} ¡Luces encendidas, puertas abiertas! ¡La biblioteca es de quien la usa!
"""

SPANISH = """\
---
language: es
kind: official
title: Que la biblioteca no apague sus luces
summary: >-
  Un llamamiento para que la biblioteca pública de Riverside abra por las tardes, cuando
  pueden venir quienes más la necesitan.
---
La biblioteca de Riverside cierra a las cinco de la tarde. La mayoría de quienes más la
necesitan —limpiadoras del turno de noche, conductores de autobús, estudiantes que trabajan
para pagar el alquiler— salen de trabajar después de las seis. Para ellas y ellos, la
biblioteca es un edificio por el que pasan cuando las puertas ya están cerradas.

## Lo que pedimos

1. Abrir la biblioteca hasta las nueve de la noche, de lunes a viernes.
2. Mantener caldeada la sala de estudio en invierno, para que nadie tenga que elegir entre la
   calefacción y los deberes.
3. Preguntar a quienes usan la biblioteca antes de volver a cambiar el horario.

> Una biblioteca que cierra antes de que acabe la jornada laboral es una biblioteca para
> otras personas.

![Dibujo de un reloj redondo cuyas agujas marcan las nueve](nine-oclock.png "Las nueve de \
la noche: la hora a la que pedimos que cierren las puertas. Credit: Marisol Quintero")

| | Horario actual | Lo que pedimos |
| --- | :---: | :---: |
| De lunes a viernes | 10:00–17:00 | 10:00–21:00 |
| Sábado | 10:00–14:00 | 10:00–18:00 |

Somos vecinas y vecinos, usuarios de la biblioteca y trabajadores. No pedimos un edificio
nuevo ni un servicio nuevo: solo que el que tenemos esté abierto cuando podemos usarlo.

¡Luces encendidas, puertas abiertas! ¡La biblioteca es de quien la usa!
"""

ARABIC = """\
---
language: ar
kind: community
title: أبقوا أنوار المكتبة مضاءة
summary: دعوة لإبقاء مكتبة ريفرسايد العامة مفتوحة في المساء، حين يستطيع الأكثر حاجة إليها أن يأتوا.
---
تُغلق مكتبة ريفرسايد أبوابها في الخامسة مساءً. ومعظم من يحتاجونها أكثر من غيرهم — عمّال
النظافة في الوردية الليلية، وسائقو الحافلات، والطلاب الذين يعملون لدفع الإيجار — ينهون عملهم
بعد السادسة.

## ما نطالب به

1. فتح المكتبة حتى التاسعة مساءً من الاثنين إلى الجمعة.
2. تدفئة قاعة المطالعة في الشتاء.
3. سؤال روّاد المكتبة قبل تغيير المواعيد مرة أخرى.

> المكتبة التي تُغلق قبل نهاية يوم العمل هي مكتبة لغيرنا.

{lang=es} ¡Luces encendidas, puertas abiertas! ¡La biblioteca es de quien la usa!
"""


def draw_library(path: Path) -> None:
    """A simple picture: a low building at dusk with one lit window, under a moon."""
    width, height = 1200, 700
    image = Image.new("RGB", (width, height), "#1d2b53")
    draw = ImageDraw.Draw(image)
    for y in range(height // 2):  # the sky lightens towards the horizon
        shade = int(40 + 80 * y / (height / 2))
        draw.line([(0, y), (width, y)], fill=(shade // 2, shade // 2 + 10, shade + 40))
    draw.ellipse([930, 70, 1030, 170], fill="#f4f1de")
    draw.rectangle([0, 560, width, height], fill="#2f3e46")
    draw.rectangle([220, 300, 980, 560], fill="#8d6e63")
    draw.polygon([(180, 300), (600, 170), (1020, 300)], fill="#5d4037")
    for index, x in enumerate(range(280, 940, 130)):
        lit = index == 2
        draw.rectangle([x, 360, x + 80, 450], fill="#ffd166" if lit else "#3a4a5a")
    draw.rectangle([560, 470, 640, 560], fill="#3e2723")
    image.save(path, "PNG")


def draw_clock(path: Path) -> None:
    """A clock face at nine o'clock."""
    size = 800
    image = Image.new("RGB", (size, size), "#fdf6e3")
    draw = ImageDraw.Draw(image)
    centre, radius = size // 2, 320
    draw.ellipse([centre - radius, centre - radius, centre + radius, centre + radius],
                 fill="#ffffff", outline="#8a1c1c", width=24)
    for hour in range(12):
        angle = math.radians(hour * 30)
        outer, inner = radius - 40, radius - (90 if hour % 3 == 0 else 65)
        draw.line([(centre + inner * math.sin(angle), centre - inner * math.cos(angle)),
                   (centre + outer * math.sin(angle), centre - outer * math.cos(angle))],
                  fill="#1b1b1b", width=14 if hour % 3 == 0 else 8)
    draw.line([(centre, centre), (centre - 170, centre)], fill="#1b1b1b", width=26)  # hour: 9
    draw.line([(centre, centre), (centre, centre - 250)], fill="#1b1b1b", width=16)  # minute: 12
    draw.ellipse([centre - 22, centre - 22, centre + 22, centre + 22], fill="#8a1c1c")
    image.save(path, "PNG")


class Command(BaseCommand):
    help = "Load a short demo statement with translations, a pull quote and a credited image."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true",
                            help="do nothing when the demo statement already exists")

    def handle(self, *args: Any, **options: Any) -> None:
        existing = Statement.objects.filter(slug=DEMO_SLUG).first()
        if options["once"] and existing is not None:
            self.stdout.write("The demo statement is already loaded.")
            return
        with tempfile.TemporaryDirectory(prefix="undersigned-demo-") as folder:
            root = Path(folder)
            today = (existing.published_at if existing and existing.published_at
                     else timezone.now()).date().isoformat()
            (root / "statement.md").write_text(
                STATEMENT.format(slug=DEMO_SLUG, date=today, image=IMAGE_NAME), encoding="utf-8")
            (root / "statement.es.md").write_text(SPANISH, encoding="utf-8")
            (root / "statement.ar.md").write_text(ARABIC, encoding="utf-8")
            draw_library(root / IMAGE_NAME)
            draw_clock(root / CLOCK_NAME)
            try:
                statement, _spec = import_statement_file(root / "statement.md", "demo", replace=True)
            except ImportFileError as error:
                raise CommandError(str(error)) from None
        self.stdout.write(f"Demo statement loaded: {statement_url(statement)}")
