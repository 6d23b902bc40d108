"""Xero OAuth 2.0: the connect flow, token storage access and the refreshing ``httpx.Auth``."""
