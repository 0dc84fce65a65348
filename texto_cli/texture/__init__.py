"""The texture model: stages, fitting, synthesis (in memory and by tiles), the model file."""
