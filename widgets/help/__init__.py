"""Help prompts: per-shop rules the storefront script evaluates, a prompt that always offers a person (channels,
honest availability and reply times, a message form), FAQ answers from the shop's facts, and help requests
forwarded to the merchant.

What the storefront script keeps in the browser, and why (all functional: they exist so a shopper is not asked again,
and hold no identifier):

    sessionStorage upfront_hs   {n: prompts shown this session, x: dismissed this session, p: views per product
                                 path this session (the repeat-visit trigger), r: returning visitor}
    localStorage   upfront_hl   {s: when a prompt was last shown, d: when one was last dismissed}; written only when
                                 the shop caps prompts per N days (caps.every_days) or after a dismissal
                                 (caps.dismiss_days > 0)

"Returning" is known only with analytics consent (the visitor id the script keeps then); without it every shopper
counts as new. Never in checkout, never while the shopper types in a field or a dialog or form is open.
"""
