"""Plan review: read Terraform's plan through an allow-list, summarize it, guard it, render it."""
