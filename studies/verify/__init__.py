"""`harness verify-study`: choosing one answer among N samples by vote, likelihood or backward check."""
