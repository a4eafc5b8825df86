"""Chatflows: graphs compiled and run by an asyncio engine."""
