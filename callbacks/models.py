# Models arrive with the callbacks feature.
