"""The use-case model: UseCase and its parts, YAML loading and schema, formulas, the compiled cache."""
