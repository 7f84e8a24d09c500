"""The transactional outbox and what its consumers keep: events, leases on due work, webhook
subscriptions, deliveries and their circuit breaker, emails.
"""
