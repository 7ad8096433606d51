"""The network: flows, transport, NR cells and radio, the link budget, QoS (5QI), reference tables."""
