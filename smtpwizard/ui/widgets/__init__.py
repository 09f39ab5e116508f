"""Small reusable widgets: password field, step list, diagnosis card, certificate box."""
