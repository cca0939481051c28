"""The BigCommerce adapter: install callbacks, REST client, webhook verification and the installation job."""
