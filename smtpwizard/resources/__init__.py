"""Files the program ships: the application icon."""
