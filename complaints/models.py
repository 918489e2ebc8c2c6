# Models arrive with the complaints feature.
