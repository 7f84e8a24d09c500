"""What happens because a booking changed: consumers of the outbox (webhooks, …) and the
dispatcher that runs them in every server process."""
