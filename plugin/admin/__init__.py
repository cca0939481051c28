"""The merchant admin panel: one sign-in resolver for both platforms, server-rendered pages, the dashboard."""
