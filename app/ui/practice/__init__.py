"""The Practice page: a rep's assignments, the scenario player, recording, replay and submit."""
