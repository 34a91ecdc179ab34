"""Station runtime: configuration, circulation and encoding workflows, and the ``borne`` command line."""
