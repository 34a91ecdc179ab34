"""SIP2 (3M Standard Interchange Protocol 2.00): sans-I/O codec and a TCP/TLS client."""
