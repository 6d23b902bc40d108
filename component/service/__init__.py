"""The JSON HTTP service: Xero and WhatsApp webhooks, the action API, OAuth, and the worker."""
