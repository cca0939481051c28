"""Helpdesk hand-off: help requests become tickets in the merchant's Gorgias, Zendesk or Chatwoot, and the ticket's
status (webhook or polling) tells the post-purchase journey whether the customer's problem is still open."""
