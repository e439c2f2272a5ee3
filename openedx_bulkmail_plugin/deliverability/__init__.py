"""
Deliverability: stop mailing addresses that bounce or complain.

    SMTP refusal of the mailbox (550 5.1.1) ─┐
    provider webhook ─> anymail ─> tracking ─┼─> suppression list ─> every batch skips it
    import, Django admin ────────────────────┘

- :mod:`.suppressions`: the list itself (add, lift, read, the reason an instructor sees);
- :mod:`.replies`: which SMTP replies mean the mailbox does not exist;
- :mod:`.events`: what a provider's normalised tracking event means for the list and the ledger;
- :mod:`.webhooks`: the provider webhook URLs, refused unless they carry the webhook secret.
"""
