"""Post-purchase email: stages and their settings, rendering, signed links, SMTP delivery and the dev outbox."""
