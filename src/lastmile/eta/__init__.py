"""Live ETAs and ETA windows per stop; speeds learned by hour and area; backtest on history."""
