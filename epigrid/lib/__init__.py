"""Pure-Python helpers with no Django dependency: identifier validation and masking."""
