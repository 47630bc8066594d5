"""Building blocks of the campaigns: settings, resources, data model, reference data, step functions."""
