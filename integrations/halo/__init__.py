"""Talking to a customer's HaloPSA: credentials, errors, the API client, the connection test.

Kept free of imports so that `integrations.netsafe` can use the error classes
without pulling in the client.
"""
