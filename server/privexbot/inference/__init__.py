"""Inference domain: the attestation policy applied before a prompt or document leaves the platform."""
