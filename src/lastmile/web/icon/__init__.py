"""The site's icon: `/favicon.ico` (browsers ask for it on every page) and `/favicon.svg`."""
