# Models arrive with their own issue; the app exists now so the layout and settings are final.
