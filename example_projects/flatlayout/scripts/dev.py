"""A developer helper script: must not ship in the wheel."""

print("dev helper")
