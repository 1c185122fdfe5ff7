"""IMDb pages: event pages (the nominations) and title pages (the last film source)."""
