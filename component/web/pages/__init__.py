"""One module per page (or group of pages) of the web app."""
