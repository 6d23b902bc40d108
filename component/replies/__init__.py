"""Replies pause chasing: what a customer's answer to a reminder changes (see ``handle``)."""
