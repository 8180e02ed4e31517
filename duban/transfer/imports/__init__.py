"""Importing office ledgers (台账) into projects, work items and monthly reports."""
