"""The HTTP layer under the app: what a connection may cost before a request reaches it.

`protocol.LimitedHttpToolsProtocol` is the uvicorn protocol `python -m app` serves with;
`refusals` holds the answers it gives instead of the app's.
"""
