# Development-only pytest configuration: must not ship in the wheel.
