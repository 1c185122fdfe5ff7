"""The review queue: films flagged `needs_review`, and the command that settles them."""
