"""The trainer's side of coaching: review queue, player, comments, scoring, Top Videos, leaderboard."""
