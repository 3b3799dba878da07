"""The bot below its wiring: settings, the application layer (usecases), the push, rendering and
the store. Nothing here imports `handlers` or `entry`."""
