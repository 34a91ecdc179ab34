"""One module per kiosk screen; each is a view over the view model and the station's models."""
