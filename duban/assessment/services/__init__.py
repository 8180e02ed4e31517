"""Services of the assessment: schemes, facts, scoring, the office's manual acts."""
