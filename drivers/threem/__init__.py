"""3M 210/810 pad readers: pure protocol (``protocol``) and ``ItemReader`` driver (``reader``)."""
