"""Parity with the real Close: a recording proxy, id mapping, comparison, cassettes and replay."""
