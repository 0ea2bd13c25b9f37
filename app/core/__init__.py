"""Domain model, storage and the plain-Python services the UI and CLI share."""
