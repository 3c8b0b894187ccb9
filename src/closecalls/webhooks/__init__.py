"""Webhook delivery: the loop that plans, signs, sends, retries and records deliveries."""
