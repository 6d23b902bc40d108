"""WhatsApp Cloud API: the client every WhatsApp action and the reminder job use, its pacer, the
error table, and builders for template components."""
