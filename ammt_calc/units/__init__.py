"""Units: our pint registry (units.txt), text to quantities, number grammar, precision presets."""
