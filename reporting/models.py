"""reporting keeps no tables of its own: it reads those of the clinical apps."""
