"""Central CHM records (api.cbd.int): transport, on-disk cache, cached client, parsed models."""
