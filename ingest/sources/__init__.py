"""Sources yield Documents; vendor quirks live in their own modules."""
