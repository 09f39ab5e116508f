"""smtpwizard: get outgoing email (SMTP) working, verified, and explained in plain words."""

__version__ = "0.1.0"
