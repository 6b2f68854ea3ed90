"""One pure decoder per device protocol: raw request data → `Fix` in SI units and UTC."""
