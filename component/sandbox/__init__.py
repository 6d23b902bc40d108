"""Sandbox: in-process ASGI emulators of Xero and the WhatsApp Cloud API."""
