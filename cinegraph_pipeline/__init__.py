"""Film-festival nominations into a film database, with nothing lost."""
