"""Channels: a chatbot or chatflow deployed to Telegram, Discord, Slack and WhatsApp.

``envelope`` seals platform credentials (a per-workspace data key wrapped by a key from
settings); ``webhooks`` proves an inbound call came from the platform; ``compose`` shapes
a reply for a platform's message limits and markdown flavour."""
