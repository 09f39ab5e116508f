"""Sends one message with Django's send_mail and exported settings: EXPORT.py TO SUBJECT."""

import sys

import django
from django.conf import settings

namespace: dict[str, object] = {}
with open(sys.argv[1], encoding="utf-8") as handle:
    exec(handle.read(), namespace)  # noqa: S102 (the export under test)
settings.configure(**{key: value for key, value in namespace.items() if key.isupper()})
django.setup()

from django.core.mail import send_mail  # noqa: E402 (needs settings first)

send_mail(sys.argv[3], "sent by the export test\n", None, [sys.argv[2]])
print("sent")
