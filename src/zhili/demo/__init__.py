"""The demo city, put together: the top layer, above every app. `zhili demo` (the management
command here) calls each app's own demo builder (geo.demo, org.demo, hub.demo, mediation.demo)
and the index's runs in order; no app imports this package."""
