"""Operations for internal-ca: deploy, plan review, inventory, export and verify."""
