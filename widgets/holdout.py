"""The holdout: which variant a visitor's bucket falls in. The script derives the bucket (0-99) from a visitor id
it keeps; the server owns the split, so a merchant's new holdout share applies on the next page view."""

from __future__ import annotations

TREATMENT = "treatment"
CONTROL = "control"
VARIANTS = (TREATMENT, CONTROL)
BUCKETS = 100
BUCKET_SCHEMA = {"type": "integer", "minimum": 0, "maximum": BUCKETS - 1}  # the `bucket` query parameter


class BucketError(ValueError):
    pass


def variant_for(bucket: str | None, holdout_percent: int) -> str:
    """Buckets below the holdout share are the control group and see nothing. No bucket (an API caller, not
    the script) means no experiment: treatment. An empty one is malformed, as the schema says (an integer)."""
    if bucket is None:
        return TREATMENT
    if not bucket.isdigit() or not 0 <= int(bucket) < BUCKETS:
        raise BucketError(f"bucket must be a whole number from 0 to {BUCKETS - 1}")
    return CONTROL if int(bucket) < holdout_percent else TREATMENT
