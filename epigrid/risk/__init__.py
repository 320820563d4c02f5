"""Risk levels (低/中/高风险) of towns and streets from the case data, under a versioned policy."""
