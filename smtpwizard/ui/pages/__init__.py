"""One QWizardPage per file."""
