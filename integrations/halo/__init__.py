"""Talking to a customer's HaloPSA: credentials, errors, the API client, the connection test."""
