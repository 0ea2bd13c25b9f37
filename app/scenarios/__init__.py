"""Scenario packs: format, validation, import/export, the library and the built-in pack."""
