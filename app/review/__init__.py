"""Coaching: scoring, comments, Top Videos, leaderboard, reports."""
