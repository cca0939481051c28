"""The personal-data registry: every store that may hold data about a person, in one list.

A feature that keeps personal data adds its store to `personal_data_stores()`; exports and erasures then cover it.
"""

from __future__ import annotations

from typing import Any, Protocol

from plugin.email.at_risk import AtRiskStore
from plugin.email.privacy import EmailContextStore, EmailJourneyStore, EmailOutboxStore
from plugin.helpdesk.privacy import HelpdeskTicketStore
from plugin.insights.store import InsightsExamplesStore
from plugin.keys import ShopRef
from plugin.privacy.consent import ConsentLedgerStore
from plugin.privacy.exports import ExportsStore
from plugin.privacy.order_projection import OrderProjectionStore
from plugin.privacy.pipeline import EventPipelineStore
from plugin.privacy.subjects import DataSubject, SubjectIndexStore
from plugin.services import Services
from plugin.sms.privacy import SmsStore
from plugin.tracking.privacy import TrackingCheckpointStore
from widgets.help.privacy import HelpRequestStore


class PersonalDataStore(Protocol):
    """Where a person's data lives. `export` returns JSON-ready records; `erase` returns how many it removed."""

    name: str

    async def export(self, services: Services, shop: ShopRef, subject: DataSubject) -> list[dict[str, Any]]: ...

    async def erase(self, services: Services, shop: ShopRef, subject: DataSubject) -> int: ...


def personal_data_stores() -> list[PersonalDataStore]:
    # Order matters for erasure: stores find a person's subject keys through the subject index, so it goes last.
    return [
        ConsentLedgerStore(),
        TrackingCheckpointStore(),  # before the orders: it finds the customer's orders there
        OrderProjectionStore(),
        ExportsStore(),
        EventPipelineStore(),
        SmsStore(),  # before the journeys: it finds the provider ids on the person's SMS message records
        EmailJourneyStore(),
        EmailOutboxStore(),
        EmailContextStore(),
        HelpRequestStore(),
        HelpdeskTicketStore(),
        InsightsExamplesStore(),
        AtRiskStore(),
        SubjectIndexStore(),
    ]
