"""Predicted SAF ratings from records (``mipr predict``): ``saf-prediction-2024`` then ``saf-rating-2024``."""
