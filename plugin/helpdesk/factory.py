"""From a stored connection to the adapter that speaks its helpdesk's API, on the app's shared HTTP client. The
origins come from settings so the dev store and the tests can point them at the loopback stand-ins."""

from __future__ import annotations

import httpx

from plugin.helpdesk.base import Helpdesk, HelpdeskCall
from plugin.helpdesk.chatwoot import ChatwootHelpdesk, chatwoot_auth
from plugin.helpdesk.connection import Connection
from plugin.helpdesk.gorgias import GorgiasHelpdesk, gorgias_auth
from plugin.helpdesk.zendesk import ZendeskHelpdesk, zendesk_auth
from plugin.settings import Settings


def helpdesk_origin(settings: Settings, connection: Connection) -> str:
    account = connection.account
    if connection.kind == "zendesk":
        return settings.zendesk_origin.replace("{subdomain}", account["subdomain"]).rstrip("/")
    if connection.kind == "gorgias":
        return settings.gorgias_origin.replace("{domain}", account["domain"]).rstrip("/")
    return settings.chatwoot_origin.replace("{base_url}", account["base_url"]).rstrip("/")


def build_helpdesk(settings: Settings, http: httpx.AsyncClient, connection: Connection) -> Helpdesk:
    origin = helpdesk_origin(settings, connection)
    account, found = connection.account, connection.secrets
    if connection.kind == "zendesk":
        return ZendeskHelpdesk(HelpdeskCall(http, origin, zendesk_auth(account["email"], found["api_token"])))
    if connection.kind == "gorgias":
        call = HelpdeskCall(http, origin, gorgias_auth(account["email"], found["api_key"]))
        return GorgiasHelpdesk(call, account["email"])
    call = HelpdeskCall(http, origin, chatwoot_auth(found["api_access_token"]))
    return ChatwootHelpdesk(call, account["account_id"], account["inbox_id"])
