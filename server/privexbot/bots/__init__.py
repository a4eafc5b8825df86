"""Chatbots: drafts, configuration and versions, grounded streaming chat, sessions,
feedback and analytics (the domain behind BotService)."""
