"""The LocoMail preset: the periods of the company's privacy policy, as rules.

Each rule quotes, in ``reason``, the sentence of the privacy policy
(sections "Bewaartermijn" and "Communicatie", and the 12 months of
"Nieuwsbrieven en Fysieke mailingen") its period comes from; docs/retention.md
gives them with an English gloss and says which table each rule expects.
"""

from __future__ import annotations

from locosuppress.retention._policy import RetentionPolicy
from locosuppress.retention._rules import RetentionRule

__all__ = ["LOCOMAIL", "REQUEST_KINDS"]

#: The kinds of request in the ``requests`` table, by rule (other kinds are ungoverned).
REQUEST_KINDS: dict[str, tuple[str, ...]] = {
    "sample-and-quote-requests": ("sample", "quote"),
    "other-requests": ("demo", "order", "other"),
}

_SAMPLES = (
    "Omdat de oriëntatie naar mailingen vaak in een vroeg stadium van een project plaats "
    "vindt, zullen wij de gegevens met betrekking tot sample- en offerte aanvragen een half "
    "jaar bewaren."
)
_PURCHASES = (
    "We zijn het belastingtechnisch verplicht om details van iedere aankoop zeven jaar te bewaren."
)
_CUSTOMERS = (
    "Verdere gegevens van klanten, in o.a. de originele aanvragen, worden tot uiterlijk 2 jaar "
    "bewaard."
)
_MAILINGS = (
    "Wanneer u als klant gegevens aanlevert ten behoeve van het versturen van een "
    "gepersonaliseerde mailing, zullen wij deze data tot twee maanden na het afronden van de "
    "mailing bewaren."
)
_MAILBOX = (
    "De communicatie via mail, opgeslagen in de mailbox, zal binnen een half jaar na afronding "
    "van het contact worden verwijderd."
)
_EVENTS = "Klik- en opengedrag wordt door het e-mail systeem anoniem gemaakt na 12 maanden."

#: The LocoMail privacy policy's retention periods (see docs/retention.md).
LOCOMAIL = RetentionPolicy(
    name="LocoMail",
    version="privacy-policy-2024",
    rules=[
        RetentionRule(
            name="sample-and-quote-requests",
            table="requests",
            where={"kind": list(REQUEST_KINDS["sample-and-quote-requests"])},
            date_column="requested_at",
            keep_for="6 months",
            action="delete",
            reason=_SAMPLES,
        ),
        RetentionRule(
            name="other-requests",
            table="requests",
            where={"kind": list(REQUEST_KINDS["other-requests"])},
            date_column="requested_at",
            keep_for="2 years",
            action="delete",
            reason=_CUSTOMERS,
        ),
        RetentionRule(
            name="purchases",
            table="purchases",
            date_column="purchased_at",
            keep_for="7 years",
            action="delete",
            reason=_PURCHASES,
        ),
        RetentionRule(
            name="customer-data",
            table="customers",
            date_column="received_at",
            keep_for="2 years",
            action="delete",
            reason=_CUSTOMERS,
        ),
        RetentionRule(
            name="personalised-mailing-data",
            table="mailing_jobs",
            date_column="completed_at",
            keep_for="2 months",
            action="delete",
            path_column="path",
            reason=_MAILINGS,
        ),
        RetentionRule(
            name="mailbox",
            table="messages",
            date_column="last_contact_at",
            keep_for="6 months",
            action="delete",
            reason=_MAILBOX,
        ),
        RetentionRule(
            name="opens-and-clicks",
            table="events",
            date_column="timestamp",
            keep_for="12 months",
            action="anonymise",
            reason=_EVENTS,
        ),
    ],
)
