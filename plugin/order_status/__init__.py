"""The branded order-status page `/o/<signed token>`: an order's progress, parcels, promise and way to a human."""
