"""Sudoku (n^2 x n^2 and general box shapes): seeded unique puzzles, exact solver, grid verifier."""
