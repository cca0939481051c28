"""The post-purchase journey: order events advance each order's stages; due messages are scheduled and sent."""
