"""A year of synthetic hub events for the demo city, so that its dashboards look like a real city's.

`load_demo_events(year=…)` fills the hub with what the departments of a Zhuhai-like city would have
delivered from 1 January to 31 December: police, traffic, fire, work-safety, city-management,
civility, hotline, market, health, petition, labour, mediation, survey, bravery, land and
air-quality events; one delivery per department and day, a handful of late deliveries, a few days
on which a department delivered nothing, and a few hundred rejected items.

How the numbers come about
- Yearly rates per 10,000 residents (`SPECS`) come from the public figures (S) and estimates (E) in
  DEMO-RATES.md; where that file has none, the rate is our own plausible figure, marked "own".
- Each village/community draws Poisson counts per day: rate × its population × a village or
  community multiplier × a hotspot factor (a few units get 2–4×) × the day's factor (weekday,
  Spring Festival, seasons, fraud peaks …) × a "bad week" factor (a district with 1.5–2× crime for
  a week). Multipliers and day factors are normalised, so the city's yearly total stays
  rate × population; only the bad weeks add to it.
- Times within the day follow an hour profile per type; each event lies in a grid of its
  village/community, chosen by grid population, at a random point inside the grid polygon.
- Field values follow plausible weights and distributions, conformed to the event type's schema as
  it is in the database: every event is one the real ingestion would accept, with the
  `payload_hash` and the `fields` text it would store. Personal fields (phones, names, addresses)
  are left empty.
- Everything comes from numpy generators seeded by (seed, purpose): the same seed, city, year and
  catalogue give the same rows. Events are written with `zhili.hub.store.insert_events`, without
  an ORM object per event.

Volume: at scale 1.0 the full demo city (~2.5 M residents) gets about 0.7 M events a year. Only the
12345 hotline is scaled down (see `VOLUME`); the index's core types keep their real rates.

The package, by topic: `specs` (types, rates) with the field generators of `police` and `city` and
their tools in `fields`; `calendar` (hours, weekdays, seasons, the year's days); `units` (the
villages/communities, grids and points); `draw` (the events of each type, fitted to the catalogue);
`load` (deliveries, rejected items, writing, and `load_demo_events`).
"""

from .load import load_demo_events
from .specs import effective_rate

__all__ = ["effective_rate", "load_demo_events"]
