"""Service updates by SMS: transports (Twilio, dev outbox), consent, keywords, quiet hours and sender rules."""
