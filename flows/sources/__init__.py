"""Where pages come from: local files today, the web later."""
