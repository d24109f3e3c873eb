"""Qt item models: the tables and lists the widgets show."""
