"""Sends one message the way Home Assistant's smtp notify platform does, from an exported
configuration.yaml entry: home_assistant_send.py EXPORT.yaml TO SUBJECT.

The connect() logic is Home Assistant's (homeassistant/components/smtp/notify.py, 2025.x); its
client_context() is an ssl.create_default_context() with certifi's authorities, here the
system's (SSL_CERT_FILE points at the lab CA). `!secret` is read from SMTP_PASSWORD."""

import os
import smtplib
import ssl
import sys
from email.mime.text import MIMEText

import yaml


class Loader(yaml.SafeLoader):
    pass


Loader.add_constructor("!secret", lambda loader, node: os.environ["SMTP_PASSWORD"])

with open(sys.argv[1], encoding="utf-8") as handle:
    [conf] = yaml.load(handle, Loader=Loader)["notify"]  # noqa: S506 (SafeLoader subclass)
assert conf["platform"] == "smtp"
server, port, encryption = conf["server"], conf["port"], conf["encryption"]
timeout = conf.get("timeout", 5)
context = ssl.create_default_context() if conf.get("verify_ssl", True) else None
if encryption == "tls":
    mail = smtplib.SMTP_SSL(server, port, timeout=timeout, context=context)
else:
    mail = smtplib.SMTP(server, port, timeout=timeout)
mail.ehlo_or_helo_if_needed()
if encryption == "starttls":
    mail.starttls(context=context)
    mail.ehlo()
if conf.get("username") and conf.get("password"):
    mail.login(conf["username"], conf["password"])
msg = MIMEText("sent by the export test\n")
msg["Subject"] = sys.argv[3]
msg["To"] = sys.argv[2]
sender_name = conf.get("sender_name")
msg["From"] = f"{sender_name} <{conf['sender']}>" if sender_name else conf["sender"]
mail.sendmail(conf["sender"], [sys.argv[2]], msg.as_string())
mail.quit()
print("sent")
