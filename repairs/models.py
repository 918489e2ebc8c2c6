# Models arrive with the repairs feature.
