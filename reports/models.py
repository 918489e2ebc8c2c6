# Models arrive with the reports feature.
