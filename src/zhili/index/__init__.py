"""The Ping'an+ index engine: definitions, scoring methods and back ends."""
