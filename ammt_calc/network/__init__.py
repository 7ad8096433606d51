"""The network: flows, transport, NR cells and radio, QoS (5QI), reference tables."""
