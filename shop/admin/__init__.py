"""The shop's back-office: snippets and (later) stock and fulfilment views. Registered by
`shop/wagtail_hooks.py`."""
