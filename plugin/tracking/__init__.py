"""Carrier truth: a tracking provider (AfterShip) reports each shipment's carrier scans to the app."""
