"""schema.org JSON-LD for search engines and assistants: the shipping and return facts the widgets state."""
