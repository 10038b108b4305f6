"""Practice: exercises the student fills in, checked cell by cell with a diagnosis."""

from .exercise import Exercise, ExerciseError, exercise

__all__ = ["Exercise", "ExerciseError", "exercise"]
