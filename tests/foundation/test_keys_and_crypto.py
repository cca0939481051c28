from __future__ import annotations

import pytest

from plugin.crypto import Cipher, DecryptionError
from plugin.keys import Keys, ShopRef

SHOP = ShopRef("shopify", "demo.myshopify.com")


def test_shop_keys_carry_the_shop_in_one_hash_tag() -> None:
    keys = Keys("up")
    key = keys.shop(SHOP, "orders", "1001")
    assert key == "up:{shopify:demo.myshopify.com}:orders:1001"
    # Redis Cluster hashes only the text between the first { and the next }.
    assert key[key.index("{") + 1 : key.index("}")] == "shopify:demo.myshopify.com"
    assert keys.shop_pattern(SHOP) == "up:{shopify:demo.myshopify.com}:*"


@pytest.mark.parametrize(
    ("platform", "shop_id"),
    [("woo", "x"), ("shopify", "a:b"), ("shopify", "a}b"), ("bigcommerce", "")],
    ids=["unknown-platform", "colon", "brace", "empty"],
)
def test_shop_refs_refuse_ids_that_would_break_the_key_scheme(platform: str, shop_id: str) -> None:
    with pytest.raises(ValueError):
        ShopRef(platform, shop_id)


def test_ciphertext_round_trips_and_is_bound_to_its_place() -> None:
    cipher = Cipher(["k" * 40])
    sealed = cipher.encrypt("shpat_secret_token", associated=SHOP.tag)
    assert "shpat_secret_token" not in sealed
    assert cipher.decrypt(sealed, associated=SHOP.tag) == "shpat_secret_token"
    with pytest.raises(DecryptionError):
        cipher.decrypt(sealed, associated="shopify:other.myshopify.com")
    tampered = sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB")
    with pytest.raises(DecryptionError):
        cipher.decrypt(tampered, associated=SHOP.tag)


def test_rotation_keeps_old_values_readable_and_flags_them() -> None:
    old = Cipher(["old-key-" + "o" * 32])
    sealed = old.encrypt("value")
    rotated = Cipher(["new-key-" + "n" * 32, "old-key-" + "o" * 32])
    assert rotated.decrypt(sealed) == "value"
    assert rotated.needs_rotation(sealed)
    assert not rotated.needs_rotation(rotated.encrypt("value"))
    with pytest.raises(DecryptionError):
        Cipher(["new-key-" + "n" * 32]).decrypt(sealed)
