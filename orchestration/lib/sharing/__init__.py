"""Partner data sharing: the agreements register, extracts, their audit, and partner returns."""
