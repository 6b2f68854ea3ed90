"""Parcels at the hub: shipping labels (PDF in A6 or 4x6 in, ZPL for thermal printers) with
the tracking number as a Code 128 barcode and the tracking link as a QR code, a manifest per
route, and scanning parcels in (`at_hub`) and onto a route's van (`loaded`)."""
