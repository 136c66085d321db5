"""Providers' event exports in their documented layouts, shared by tests/interop and tests/cli.

Importable as ``interop_support`` (pytest puts ``tests/support`` on ``sys.path``).
Each export has one old row (2023-01-10, before ``NOW`` minus 12 months) and
one recent row (2025-05-20), in this order.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from locosuppress.io import write_mailing_file

NOW = pd.Timestamp("2025-06-01T12:00:00Z")
OLD = pd.Timestamp("2023-01-10T08:00:00Z")
RECENT = pd.Timestamp("2025-05-20T08:00:00Z")
URL = "https://shop.example.nl/aanbieding?utm_campaign=zomer&uid=jan@example.nl"

SENDGRID = [
    {
        "email": "jan@example.nl",
        "timestamp": int(t.timestamp()),
        "event": e,
        "sg_event_id": f"id{i}",
        "sg_message_id": "m1",
        "category": ["zomer", "nl"],
        "url": URL,
        "useragent": "Mozilla",
        "ip": "10.0.0.1",
    }
    for i, (t, e) in enumerate([(OLD, "click"), (RECENT, "open")])
]
MAILGUN = {
    "items": [
        {
            "event": e,
            "timestamp": t.timestamp() + 0.25,
            "recipient": "Zoë <zoe@example.nl>",
            "tags": ["zomer"],
            "url": URL,
            "client-info": {"client-name": "Firefox", "device-type": "desktop"},
            "geolocation": {"country": "NL", "city": "Utrecht"},
        }
        for t, e in [(OLD, "clicked"), (RECENT, "opened")]
    ],
    "paging": {},
}
BREVO = pd.DataFrame(
    {
        "email": ["jan@example.nl", "jan@example.nl"],
        "event": ["click", "opened"],
        "date_event": ["2023-01-10 09:00:00", "2025-05-20 10:00:00"],
        "camp_id": ["17", "17"],
        "campaign name": ["Zomer", "Zomer"],
        "URL": [URL, ""],
    }
)
BREVO_TS = pd.DataFrame(
    {
        "email": ["jan@example.nl", "jan@example.nl"],
        "event": ["click", "opened"],
        "ts_event": [str(int(OLD.timestamp())), str(int(RECENT.timestamp()))],
        "campaign name": ["Zomer", "Zomer"],
    }
)
MAILCHIMP = pd.DataFrame(
    {
        "Email Address": ["jan@example.nl", "jan@example.nl"],
        "Action": ["click", "open"],
        "Timestamp": ["2023-01-10T08:00:00+00:00", "2025-05-20T08:00:00+00:00"],
        "URL": [URL, ""],
        "Campaign ID": ["c1", "c1"],
        "IP": ["10.0.0.1", "10.0.0.2"],
    }
)
LISTMONK = pd.DataFrame(
    {
        "campaign_id": ["3", "3"],
        "subscriber_id": ["41", "41"],
        "created_at": ["2023-01-10T08:00:00.000000+00:00", "2025-05-20T08:00:00.000000+00:00"],
        "url": [URL, ""],
    }
)


def write(tmp_path: Path, name: str, data: object) -> Path:
    """A JSON file (a .txt suffix: JSON is told by content)."""
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


#: The provider of each file :func:`event_files` writes.
EVENT_FILES = {
    "sendgrid.txt": "sendgrid",
    "sendgrid-events": "sendgrid",
    "mailgun.json": "mailgun",
    "brevo.csv": "brevo",
    "brevo-ts.csv": "brevo",
    "mailchimp.csv": "mailchimp",
    "listmonk.csv": "listmonk",
}


def write_jsonl(tmp_path: Path, name: str, records: list[dict[str, object]]) -> Path:
    """A JSON Lines file, one record per line."""
    path = tmp_path / name
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
    return path


def event_files(folder: Path) -> dict[str, Path]:
    """Every provider's event export as a file in ``folder``, by the names of EVENT_FILES.

    SendGrid as a JSON array (``.txt``) and as suffix-less JSON Lines, Mailgun
    as its Events API JSON, Brevo (date and epoch variants), Mailchimp and
    listmonk as the CSV files their exports write (Brevo with ``;``).
    """
    files = {
        "sendgrid.txt": write(folder, "sendgrid.txt", SENDGRID),
        "sendgrid-events": write_jsonl(folder, "sendgrid-events", SENDGRID),
        "mailgun.json": write(folder, "mailgun.json", MAILGUN),
    }
    for name, frame, delimiter in (
        ("brevo.csv", BREVO, ";"),
        ("brevo-ts.csv", BREVO_TS, ";"),
        ("mailchimp.csv", MAILCHIMP, ","),
        ("listmonk.csv", LISTMONK, ","),
    ):
        write_mailing_file(frame, folder / name, delimiter=delimiter)
        files[name] = folder / name
    return files
