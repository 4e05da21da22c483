"""The case manager of the City of Espoo's language-support and job-redesign pilot."""
