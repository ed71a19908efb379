"""dashboard pages of the web app."""
