"""CQMS: the Customer Quality Management System."""
