"""Public information without login: aggregate figures, daily bulletin, guidance, hotlines, JSON feed."""
