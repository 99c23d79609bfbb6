"""Built-in change feeds (the ``mipr_change_feed`` hook): files and folders through filesystem events."""
