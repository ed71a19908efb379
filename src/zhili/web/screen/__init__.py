"""screen pages of the web app."""
