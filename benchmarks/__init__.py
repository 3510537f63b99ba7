"""The benchmark itself: case files, graders and the pytest modules that turn each case into an item."""
