"""The day's routes: plan a hub's day, commit it into routes, start them, edit them."""
