"""The reference NumPy CNN: the ground truth every grade is judged against."""
