"""What customers say, by topic: a transparent classifier and per-shop topic counts for the admin."""
