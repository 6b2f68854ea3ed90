"""The dispatcher's Control Tower: a live map, driver panel, orders, alert inbox and KPIs."""
