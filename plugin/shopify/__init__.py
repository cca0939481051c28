"""The Shopify adapter: install and admin auth, tokens, webhooks, app proxy and the Admin GraphQL client."""
