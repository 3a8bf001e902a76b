"""`make bench-peers`: the service against LitServe and KServe (issue #18)."""
