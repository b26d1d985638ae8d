"""Pure-Python claim domain: statuses, the claim aggregate, quantities, decisions and errors."""
